"""Schedules: a 1 s interval command, cron and times of day, restart warnings, failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import tomllib

import pytest

from gui.ops import Schedule, ScheduleError, ScheduleRan, ScheduleRunner, parse_schedules
from tests.harness import Session


def ran(session: Session, name: str) -> list[ScheduleRan]:
    return [n for n in session.ops_notices if isinstance(n, ScheduleRan) and n.schedule == name]


def watched(paths) -> Session:
    session = Session(paths)
    session.ops_notices = []
    session.core.ops.subscribe(session.ops_notices.append)
    return session


def test_a_one_second_schedule_runs_its_command_and_records_the_result(paths):
    async def scenario() -> None:
        session = watched(paths)
        async with session:
            ops = session.core.ops
            await session.run("playtest join Alice")
            await ops.save_schedules([Schedule("greet", "command", command="say hello all",
                                               every_s=1)])
            saved = tomllib.loads(paths.config_file.read_text())["schedules"]
            assert saved == [{"name": "greet", "action": "command", "command": "say hello all",
                              "every_s": 1, "only_when_players": False, "enabled": True}]
            await session.wait_until(lambda: len(ran(session, "greet")) >= 2, timeout=6,
                                     what="two runs")
            first = ran(session, "greet")[0]
            assert first.ok and first.result == "returned 1"
            assert session.seen(r"^Alice <- system: \[Scheduler\] hello all$", "playtest")
            assert session.seen(r"^greet \(run 'say hello all'\): returned 1$", "schedules")
            (status,) = ops.schedules.statuses()
            assert status.last_ok is True and status.last_result == "returned 1"
            assert status.last_run is not None and status.next_run > status.last_run
            state = json.loads((paths.data_dir / "schedule-state.json").read_text())
            assert state["greet"]["result"] == "returned 1"

    asyncio.run(scenario())


def test_a_failing_task_is_reported_and_the_schedule_carries_on(paths):
    async def scenario() -> None:
        session = watched(paths)
        async with session:
            ops = session.core.ops
            await ops.save_schedules([Schedule("kick ghost", "command", command="kick Ghost",
                                               every_s=1)])
            await session.wait_until(lambda: len(ran(session, "kick ghost")) >= 2, timeout=6,
                                     what="two runs")
            first = ran(session, "kick ghost")[0]
            assert not first.ok
            assert "Ghost" in first.result
            assert session.seen(r"^kick ghost \(run 'kick Ghost'\): .*Ghost", "schedules")

    asyncio.run(scenario())


def test_a_restart_task_broadcasts_its_warning_first(paths):
    async def scenario() -> None:
        session = watched(paths)
        async with session:
            ops = session.core.ops
            await session.run("playtest join Alice")
            await ops.save_schedules([Schedule("nightly", "restart", at=("04:00",), warn_s=0.3,
                                               warn_message="Restart in {seconds} s!")])
            start = len(session.lines)
            result = await ops.schedules.run_now("nightly")
            assert result == ScheduleRan("nightly", True, "restarted")
            messages = [line.message for line in session.lines[start:]]
            warned = messages.index("Alice <- system: Restart in 0.3 s!")
            stopping = messages.index("Stopping the server")
            assert warned < stopping
            assert "Alice <- kick: Server closed" in messages[stopping:]
            assert session.server.state == "running"

    asyncio.run(scenario())


def test_only_when_players_skips_an_empty_server(paths):
    async def scenario() -> None:
        session = watched(paths)
        async with session:
            ops = session.core.ops
            await ops.save_schedules([Schedule("backup", "backup", every_s=3600,
                                               only_when_players=True)])
            assert (await ops.schedules.run_now("backup")).result == "skipped: nobody is online"
            assert ops.backups.list() == []
            await session.run("playtest join Alice")
            outcome = await ops.schedules.run_now("backup")
            assert outcome.ok and outcome.result.startswith("made backup-")
            assert [b.reason for b in ops.backups.list()] == ["scheduled"]

    asyncio.run(scenario())


def test_cron_times_of_day_and_intervals_compute_their_next_run():
    now = dt.datetime(2026, 12, 3, 5, 0, 0)
    nightly = Schedule("nightly", "backup", cron="0 4 * * *")
    assert nightly.next_run(now) == dt.datetime(2026, 12, 4, 4, 0)
    weekdays = Schedule("weekdays", "backup", cron="30 18 * * 1-5")  # 2026-12-05 is a Saturday
    assert weekdays.next_run(dt.datetime(2026, 12, 4, 19, 0)) == dt.datetime(2026, 12, 7, 18, 30)
    twice = Schedule("twice", "restart", at=("18:00", "06:00"))
    assert twice.next_run(now) == dt.datetime(2026, 12, 3, 6, 0)
    assert twice.next_run(dt.datetime(2026, 12, 3, 19, 0)) == dt.datetime(2026, 12, 4, 6, 0)
    every = Schedule("every", "command", command="list", every_s=90)
    assert every.next_run(now) == now + dt.timedelta(seconds=90)
    assert every.next_run(now, last_run=now - dt.timedelta(seconds=30)) == \
        now + dt.timedelta(seconds=60)


def test_the_runner_uses_its_injected_clock():
    clock = [dt.datetime(2026, 12, 3, 3, 59, 0)]

    class Actions:
        async def scheduled_backup(self) -> str:
            return "made"

    runner = ScheduleRunner(Actions(), now=lambda: clock[0])  # type: ignore[arg-type]
    runner.set_schedules([Schedule("nightly", "backup", cron="0 4 * * *")])
    (status,) = runner.statuses()
    assert status.next_run == dt.datetime(2026, 12, 3, 4, 0)
    assert status.last_run is None


def test_bad_schedules_are_reported_by_name_and_left_out():
    warnings: list[str] = []
    raw = [{"name": "ok", "action": "backup", "every_s": 60},
           {"name": "bad cron", "action": "backup", "cron": "every night"},
           {"name": "no when", "action": "backup"},
           {"name": "bad time", "action": "restart", "at": ["25:00"]},
           {"name": "typo", "action": "backup", "every_s": 60, "evry_s": 5},
           {"name": "ok", "action": "backup", "every_s": 5}]
    schedules = parse_schedules(raw, "config.toml", warnings.append)
    assert [s.name for s in schedules] == ["ok"]
    assert len(warnings) == 5
    assert "'bad cron'" in warnings[0] and "cron expression" in warnings[0]
    assert "exactly one of every_s" in warnings[1]
    assert "HH:MM" in warnings[2]
    assert "evry_s" in warnings[3]
    assert "used twice" in warnings[4]
    with pytest.raises(ScheduleError, match="needs command"):
        Schedule("x", "command", every_s=5)
