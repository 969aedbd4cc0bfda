"""Host entries: how the admin names where a plugin's ``http.outbound`` may reach.

An entry is ``host`` (any port) or ``host:port``; IPv6 addresses in brackets
(``[::1]:8080``). A URL, a path, user info or spaces are not entries: a
typo there would silently allow another host (``http://example.org`` reads
as the host ``http``), so :func:`entry_problem` refuses it, and every place
an entry comes in asks it: config.toml (gui/settings.py), ``plugin hosts``
and ``sdk run --http-host``. A request's authority is matched against the
entries by gui/runtime/http_gate.py with the same :func:`parse_authority`.
"""

from __future__ import annotations

EXAMPLES = "e.g. 127.0.0.1:8080 or example.org"


def parse_authority(authority: str) -> tuple[str, int | None]:
    """``host[:port]`` (IPv6 in brackets) -> (lower-case host, port or None)."""
    text = authority.strip().lower()
    if "@" in text:  # userinfo is never part of what the admin lists
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    return host, (int(port) if port.isdigit() else None)


def entry_problem(entry: str) -> str | None:
    """Why ``entry`` cannot be a host entry, or None when it can."""
    text = entry.strip()
    if "://" in text or "/" in text:
        return f"{entry!r} is a URL or path; list its host (and port) only, {EXAMPLES}"
    if not text or "@" in text or any(c.isspace() or c in "\"'\\" for c in text):
        return f"{entry!r} is not a host or host:port ({EXAMPLES})"
    host, port = parse_authority(text)
    if text.startswith("["):
        tail = text.partition("]")[2]
        names_port = tail != ""
        if names_port and not tail.startswith(":"):
            return f"{entry!r} is not a host or host:port ({EXAMPLES})"
    else:
        names_port = text.count(":") == 1
    if not host:
        return f"{entry!r} names no host ({EXAMPLES})"
    if names_port and (port is None or not 0 < port < 65536):
        return f"{entry!r} has no valid port (1 to 65535)"
    return None
