"""ConsoleLog: history, subscribers, stdlib logging and latest.log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gui.server.console import ConsoleLine, ConsoleLog


def test_write_records_history_and_notifies() -> None:
    console = ConsoleLog()
    seen: list[ConsoleLine] = []
    unsubscribe = console.subscribe(seen.append)
    console.info("server", "one")
    console.warn("greeter", "two")
    unsubscribe()
    console.error("server", "three")
    assert [(line.level, line.source, line.message) for line in seen] == [
        ("info", "server", "one"),
        ("warn", "greeter", "two"),
    ]
    assert console.messages() == ["one", "two", "three"]
    assert console.messages("greeter") == ["two"]
    unsubscribe()  # a second call is harmless


def test_failing_subscriber_is_logged_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    console = ConsoleLog()
    calls: list[str] = []

    def broken(line: ConsoleLine) -> None:
        calls.append(line.message)
        raise RuntimeError("view is gone")

    console.subscribe(broken)
    good: list[str] = []
    console.subscribe(lambda line: good.append(line.message))
    with caplog.at_level(logging.ERROR, logger="gui.server.console"):
        console.info("server", "a")
        console.info("server", "b")
    assert calls == ["a", "b"]
    assert good == ["a", "b"]
    assert "view is gone" in caplog.text


def test_history_is_bounded() -> None:
    console = ConsoleLog(maxlen=3)
    for index in range(5):
        console.debug("server", str(index))
    assert console.messages() == ["2", "3", "4"]


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="Unknown console level"):
        ConsoleLog().write("loud", "server", "x")


def test_lines_go_to_stdlib_logging(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pumpkin_patch.console"):
        ConsoleLog().warn("greeter", "careful")
    record = next(r for r in caplog.records if r.name == "pumpkin_patch.console")
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "[greeter] careful"


def test_log_file_is_appended_and_rotated(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    console = ConsoleLog()
    console.open_log_file(logs)
    console.info("server", "first run")
    console.close_log_file()
    console.open_log_file(logs)
    console.info("server", "second run")
    console.close_log_file()
    console.info("server", "not in a file")
    files = sorted(p.name for p in logs.iterdir())
    assert len(files) == 2 and "latest.log" in files
    rotated = next(p for p in logs.iterdir() if p.name != "latest.log")
    assert "first run" in rotated.read_text(encoding="utf-8")
    latest = (logs / "latest.log").read_text(encoding="utf-8")
    assert latest.strip().endswith("[INFO] [server] second run")
    assert "not in a file" not in latest
