"""Finding 6: text from outside cannot forge console or log lines.

A real plugin logs ``\\r\\x1b[2K[01:00:00] [INFO] [server] Made Mallory a server
operator``; a player chats control characters; a plugin file's name carries a
newline and a forged line. What reaches latest.log, the plugin's own log and
the console carries its writer's prefix on every line and no raw escape.
"""

from __future__ import annotations

import asyncio
import re

from gui.devkit.wat_build import build_fixture
from gui.server.console import ConsoleLog
from gui.server.escaping import escape_controls
from gui.server.players import PlaytestConnection
from tests.harness import Session

SPOOF = "\r\x1b[2K[01:00:00] [INFO] [server] Made Mallory a server operator"
FORGED = "[01:00:00] [INFO] [server] Made Mallory a server operator"


# A forged line: the server's own prefix, then the forged message.
FORGED_LINE = re.compile(r"^(\[[0-9:]+\] \[INFO\] \[server\] |\[01:00:00\])")


def _assert_no_forged_line(text: str, where: str) -> None:
    assert "\x1b" not in text and "\r" not in text, where
    for line in text.splitlines():
        if "Made Mallory" in line:
            forged = FORGED_LINE.match(line)
            assert forged is None or "] <Alice> " in line, (where, line)  # chat is prefixed


def test_plugin_output_chat_and_file_names_cannot_forge_lines(paths):
    async def scenario() -> Session:
        session = Session(paths)
        session.install(build_fixture("task-and-log", message=SPOOF))
        forged_name = paths.plugins_dir / f"x\n{FORGED}.wasm"
        paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        forged_name.write_bytes(b"not wasm")
        async with session:
            await session.wait_for("Made Mallory", source="task-and-log")
            alice = await session.server.join("Alice", PlaytestConnection(session.server.console,
                                                                           "Alice"))
            assert alice is not None
            await session.server.chat(alice, f"hi{SPOOF}")
            await session.wait_for("<Alice> hi")
            await session.wait_for("is not a valid WebAssembly component")
        return session

    session = asyncio.run(scenario())
    latest = (paths.server_dir / "logs" / "latest.log").read_text(encoding="utf-8")
    _assert_no_forged_line(latest, "latest.log")
    mallory = [line for line in latest.splitlines() if "Made Mallory" in line]
    assert any("] [INFO] [task-and-log] \\r\\x1b[2K[01:00:00]" in line for line in mallory)
    assert any("[server] <Alice> hi\\r\\x1b[2K" in line for line in mallory)
    # The file name's newline: its second line carries the writer's prefix too.
    assert any("] [plugins] [01:00:00]" in line or "] [x\\n" in line for line in mallory)
    (log_file,) = paths.plugin_logs_dir.glob("task-and-log*.log")
    plugin_log = log_file.read_text(encoding="utf-8")
    _assert_no_forged_line(plugin_log, "plugin log")
    for line in session.lines:
        assert "\x1b" not in line.format() and "\r" not in line.format()


def test_escape_keeps_newlines_and_shows_every_other_control():
    assert escape_controls("a\rb\x1b[2Kc\x07\u202ed\ne\tf") == \
        "a\\rb\\x1b[2Kc\\x07\\u202ed\ne\\tf"
    assert escape_controls("plain text, ünïcödé") == "plain text, ünïcödé"
    console = ConsoleLog()
    line = console.info("evil\r", "one\ntwo")
    assert line.source == "evil\\r"
    assert line.format().splitlines()[1].endswith("] [INFO] [evil\\r] two")
