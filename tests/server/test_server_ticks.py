"""TickLoop and Scheduler, on a real event loop.

Timing assertions are deliberately loose: CI machines are noisy.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from gui.server.console import ConsoleLog
from gui.server.ticks import Scheduler, TickLoop


async def settle() -> None:
    """Let tasks started by the scheduler run to their first await and beyond."""
    for _ in range(3):
        await asyncio.sleep(0)


def test_tick_loop_keeps_about_twenty_tps() -> None:
    async def scenario() -> tuple[float, float, int, dict[str, float]]:
        ticks = TickLoop()
        seen: list[int] = []
        ticks.on_tick(seen.append, name="recorder")
        ticks.start()
        await asyncio.sleep(1.5)
        await ticks.stop()
        assert seen == list(range(1, len(seen) + 1))
        return ticks.tps, ticks.mspt, ticks.tick_count, ticks.timings()

    tps, mspt, count, timings = asyncio.run(scenario())
    assert tps >= 15
    assert 20 <= count <= 40
    assert 0 <= mspt < 50
    assert set(timings) == {"recorder"}


def test_tick_loop_survives_a_failing_callback(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> int:
        ticks = TickLoop()

        def broken(tick: int) -> None:
            raise RuntimeError("bad tick")

        ticks.on_tick(broken, name="broken")
        ticks.start()
        await asyncio.sleep(0.3)
        await ticks.stop()
        return ticks.tick_count

    with caplog.at_level(logging.ERROR, logger="gui.server.ticks"):
        assert asyncio.run(scenario()) >= 3
    assert "Tick callback broken failed" in caplog.text


def test_delayed_task_runs_after_its_delay() -> None:
    async def scenario() -> list[int]:
        scheduler = Scheduler()
        ran: list[int] = []

        async def task() -> None:
            ran.append(scheduler.current_tick)

        scheduler.schedule_delayed("greeter", 3, task)
        for tick in range(1, 6):
            scheduler.run_due(tick)
            await settle()
        return ran

    assert asyncio.run(scenario()) == [3]


def test_repeating_task_and_cancel() -> None:
    async def scenario() -> tuple[list[int], bool, bool]:
        scheduler = Scheduler()
        ran: list[int] = []

        async def task() -> None:
            ran.append(scheduler.current_tick)

        task_id = scheduler.schedule_repeating("greeter", 2, 3, task)
        for tick in range(1, 10):
            scheduler.run_due(tick)
            await settle()
        first = scheduler.cancel(task_id)
        for tick in range(10, 20):
            scheduler.run_due(tick)
            await settle()
        return ran, first, scheduler.cancel(task_id)

    ran, cancelled, again = asyncio.run(scenario())
    assert ran == [2, 5, 8]
    assert cancelled is True
    assert again is False


def test_cancel_owner_removes_only_that_owner() -> None:
    async def scenario() -> tuple[int, list[str]]:
        scheduler = Scheduler()
        ran: list[str] = []

        def runner(owner: str):
            async def run() -> None:
                ran.append(owner)
            return run

        scheduler.schedule_delayed("a", 1, runner("a"))
        scheduler.schedule_repeating("a", 1, 1, runner("a"))
        scheduler.schedule_delayed("b", 1, runner("b"))
        removed = scheduler.cancel_owner("a")
        scheduler.run_due(1)
        await settle()
        return removed, ran

    assert asyncio.run(scenario()) == (2, ["b"])


def test_period_must_be_positive() -> None:
    scheduler = Scheduler()

    async def task() -> None:
        pass

    with pytest.raises(ValueError, match="period of at least 1 tick"):
        scheduler.schedule_repeating("greeter", 0, 0, task)
    with pytest.raises(ValueError, match="negative delay"):
        scheduler.schedule_delayed("greeter", -1, task)


def test_failing_task_is_reported_with_owner(caplog: pytest.LogCaptureFixture) -> None:
    console = ConsoleLog()

    async def scenario() -> None:
        scheduler = Scheduler(console=console)

        async def task() -> None:
            raise KeyError("missing")

        scheduler.schedule_delayed("greeter", 0, task)
        scheduler.run_due(1)
        await settle()

    with caplog.at_level(logging.ERROR, logger="gui.server.ticks"):
        asyncio.run(scenario())
    assert "Scheduled task 1 of greeter failed" in caplog.text
    (line,) = console.lines(source="greeter")
    assert line.level == "error" and "KeyError" in line.message


def test_slow_task_does_not_stall_ticks() -> None:
    async def scenario() -> tuple[float, int, int]:
        ticks = TickLoop()
        scheduler = Scheduler()
        ticks.on_tick(scheduler.run_due, name="scheduler")

        async def slow() -> None:
            await asyncio.sleep(0.4)

        task_id = scheduler.schedule_repeating("sloth", 0, 1, slow)
        ticks.start()
        await asyncio.sleep(1.5)
        tps = ticks.tps
        await ticks.stop()
        (task,) = [t for t in scheduler.tasks() if t.id == task_id]
        await scheduler.shutdown()
        return tps, task.runs, task.skipped

    tps, runs, skipped = asyncio.run(scenario())
    assert tps >= 15
    assert 2 <= runs <= 6  # one run at a time, each 0.4 s
    assert skipped >= 15
