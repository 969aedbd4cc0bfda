"""Console commands (backup, schedule) and the operations sections of config.toml."""

from __future__ import annotations

import asyncio

from gui.ops import OpsSettings, StopSettings
from gui.settings import AppSettings
from tests.harness import Session

CONFIG = """
[backups]
keep = 0
include_logs = "yes"

[stop]
kick_message = "Back soon"
timeout_s = 12

[crash_guard]
backoff_s = [1, "two"]

[alerts]
webhook = ["plugin-trapped", "cosmic-rays"]

[[schedules]]
name = "hello"
action = "command"
command = "say hello"
at = ["12:00"]

[[schedules]]
name = "broken"
action = "restart"
cron = "sometimes"
"""


def test_backup_and_schedule_console_commands(paths):
    async def scenario() -> None:
        paths.config_dir.mkdir(parents=True, exist_ok=True)
        paths.config_file.write_text(CONFIG)
        session = Session(paths)
        async with session:
            # Each wrong value is named (file, section, key) and replaced by its default.
            for pattern in (r"\[backups\] keep = 0 is not a number from 1",
                            r"\[backups\] include_logs = 'yes' is not true or false",
                            r"\[crash_guard\] backoff_s = \[1, 'two'\]",
                            r"\[alerts\] webhook = .*cosmic-rays",
                            r"entry 2: schedule 'broken': 'sometimes' is not a cron"):
                assert session.seen(pattern, "settings"), pattern
            assert session.server.stop_message == "Back soon"
            assert session.server.stop_timeout == 12
            await session.run("backup")
            await session.wait_for(r"^Backup backup-\d{8}-\d{6}\.tar\.gz made \(", "backup")
            start = len(session.lines)
            await session.run("backup list")
            await session.wait_for(r"^backup-\d{8}-\d{6}\.tar\.gz +\d+\.\d MiB +manual$",
                                   "server", start=start)
            await session.run("schedule list")
            await session.wait_for(r"^hello: run 'say hello', at 12:00; last never \(-\), next "
                                   r"\d{4}-\d\d-\d\d 12:00:00$", "server", start=start)
            await session.run("schedule run hello")
            await session.wait_for(r"^hello \(run 'say hello'\): returned 1$", "schedules")
            await session.run("schedule run nothing")
            await session.wait_for(r"no schedule called 'nothing' \(there are: hello\)",
                                   "server")
            await session.run("backup restore backup-20000101-000000")
            await session.wait_for(r"no backup called 'backup-20000101-000000'", "server")

    asyncio.run(scenario())


def test_ops_settings_defaults_and_values():
    warnings: list[str] = []
    settings = AppSettings().with_section("stop", {"kick_message": "Bye", "timeout_s": 5})
    ops = OpsSettings.from_settings(settings, warnings.append)
    assert ops.stop == StopSettings(kick_message="Bye", timeout_s=5)
    assert ops.backups.keep == 10 and ops.guard.max_restarts == 3
    assert warnings == []
