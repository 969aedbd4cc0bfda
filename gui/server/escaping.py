"""Making text from outside safe to print: control characters shown, never obeyed.

Plugin output, chat, player and file names and RCON commands come from
people and programs the admin does not control. Printed raw, a carriage
return or an ANSI escape (``\\r\\x1b[2K[01:00:00] [INFO] [server] ...``)
erases the line's ``[plugin]`` prefix on a terminal and forges a server
line; a Unicode bidi override reorders what the admin reads. The console
(gui/server/console.py) and the per-plugin logs pass every message through
:func:`escape_controls`, which keeps newlines (a multi-line message stays
readable; each of its lines gets the writer's prefix in the log) and shows
every other control character as a visible escape (``\\r``, ``\\x1b``,
``\\u202e``).
"""

from __future__ import annotations

import re

# C0 controls but newline, DEL, C1 controls, and the Unicode format characters that
# reorder or hide text (bidi embeddings/overrides/isolates, line/paragraph separators).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\r": "\\r", "\t": "\\t", "\x1b": "\\x1b", "\x00": "\\x00"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character but newline shown as an escape.

    Example: ``escape_controls("a\\rb\\x1b[2K")`` is ``"a\\\\rb\\\\x1b[2K"``.
    """
    if not _CONTROL.search(text):  # the common case costs one scan
        return text
    return _CONTROL.sub(_visible, text)


def one_line(text: str) -> str:
    """``text`` escaped for a place that must stay one line (newlines shown as ``\\n``)."""
    return escape_controls(text).replace("\n", "\\n")
