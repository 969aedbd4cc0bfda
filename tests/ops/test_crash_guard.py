"""The crash-loop guard and the graceful stop, on a real server core.

Failures are injected into the tick loop itself (not a tick callback, whose
errors are counted and never fatal); the guard's clock is injected, so ten
minutes of failures take no time.
"""

from __future__ import annotations

import asyncio
import itertools

from gui.devkit.wat_build import build_fixture
from gui.ops import GuardSettings, ServerCrashed
from gui.runtime import Limits
from tests.harness import Session

FAST = GuardSettings(max_restarts=3, window_s=600, backoff_s=(0.0,))


class TickFailure(RuntimeError):
    pass


def crashes(session: Session) -> list[ServerCrashed]:
    return [n for n in session.ops_notices if isinstance(n, ServerCrashed)]


def guarded(paths, *, clock_step: float) -> Session:
    session = Session(paths)
    session.ops_notices = []
    ops = session.core.ops
    ops.subscribe(session.ops_notices.append)
    ops.guard.settings = FAST
    times = itertools.count(0.0, clock_step)
    ops.guard.clock = lambda: next(times)
    return session


def break_ticks(session: Session, times: int | None) -> list[int]:
    """Make the tick loop's next ``times`` ticks (None: every tick) raise TickFailure."""
    ticks = session.server.ticks
    real = ticks._tick
    failed: list[int] = []

    def tick(loop):
        if times is None or len(failed) < times:
            failed.append(ticks.tick_count)
            raise TickFailure(f"injected failure {len(failed)}")
        real(loop)

    ticks._tick = tick
    return failed


def test_an_injected_tick_loop_failure_restarts_the_server(paths):
    async def scenario() -> None:
        session = guarded(paths, clock_step=60)
        async with session:
            await session.run("playtest join Alice")
            break_ticks(session, 1)
            await session.wait_until(lambda: crashes(session), what="crash notice")
            (crash,) = crashes(session)
            assert crash.part == "the tick loop" and not crash.gave_up
            assert crash.error == "TickFailure: injected failure 1"
            assert "Traceback" in crash.traceback and "TickFailure" in crash.traceback
            await session.wait_until(lambda: not session.core.ops.guard.busy, what="restart")
            assert session.server.state == "running"
            restarted_at = session.server.ticks.tick_count
            await session.wait_until(lambda: session.server.ticks.tick_count > restarted_at + 3,
                                     what="ticks after the restart")
            assert session.seen(r"^The server failed unexpectedly \(the tick loop: "
                                r"TickFailure: injected failure 1\)\nTraceback", "server")
            assert session.seen(r"^Restarting the server in 0 s \(failure 1 of 4", "server")
            assert session.seen(r"^Alice <- kick: Server closed$", "playtest")

    asyncio.run(scenario())


def test_the_fourth_failure_within_ten_minutes_leaves_it_stopped_until_started(paths):
    async def scenario() -> None:
        session = guarded(paths, clock_step=60)  # a failure a minute
        async with session:
            guard = session.core.ops.guard
            failed = break_ticks(session, None)  # fails on every start: a crash loop
            await session.wait_until(lambda: guard.gave_up is not None, what="giving up")
            await session.wait_until(lambda: not guard.busy, what="the guard settles")
            assert len(failed) == 4
            assert [c.gave_up for c in crashes(session)] == [False, False, False, True]
            assert [c.restart_after for c in crashes(session)] == [0.0, 0.0, 0.0, None]
            assert session.server.state == "stopped"
            assert "failed 4 times within 10 minutes" in guard.gave_up
            assert "stays stopped" in guard.gave_up
            assert session.seen(r"failed 4 times within 10 minutes .* stays stopped", "server")
            # The admin starts it again: the count starts afresh.
            session.server.ticks._tick = type(session.server.ticks)._tick.__get__(
                session.server.ticks)
            await session.core.start_server()
            assert guard.gave_up is None and not guard.failures
            assert session.server.state == "running"

    asyncio.run(scenario())


def test_failures_spread_over_more_than_ten_minutes_keep_restarting(paths):
    async def scenario() -> None:
        session = guarded(paths, clock_step=300)  # five minutes apart: at most 3 in a window
        async with session:
            guard = session.core.ops.guard
            failed = break_ticks(session, 6)
            await session.wait_until(lambda: len(crashes(session)) == 6 and not guard.busy,
                                     what="six crashes handled")
            assert not any(c.gave_up for c in crashes(session))
            assert session.server.state == "running"
            assert len(failed) == 6

    asyncio.run(scenario())


def test_a_stop_past_its_time_out_is_forced_and_names_what_held_it_up(paths):
    async def scenario() -> None:
        session = Session(paths)
        async with session:
            server = session.server
            server.stop_timeout = 0.2
            server.stop_message = "Back in five minutes"
            await session.run("playtest join Alice")
            release = asyncio.Event()
            server.before_stop(release.wait, name="the world saver")
            await session.core.stop_server()
            assert server.state == "stopped"
            assert server.last_stop_forced == "the world saver"
            assert session.seen(r"^The stop took longer than 0.2 s \(\[stop\] timeout_s in "
                                r"config.toml\), so it was forced: the world saver held it up$",
                                "server")
            assert session.seen(r"^Alice <- kick: Back in five minutes$", "playtest")
            release.set()

    asyncio.run(scenario())


def test_a_plugin_that_holds_the_stop_up_is_named(paths):
    async def scenario() -> None:
        session = Session(paths, limits=Limits(load_deadline=3.0))
        session.install(build_fixture("echo"), build_fixture("spin-on-unload"))
        async with session:
            session.server.stop_timeout = 0.5
            await session.core.stop_server()
            assert session.server.state == "stopped"
            assert session.server.last_stop_forced == "plugin spin-on-unload (on-unload)"
            assert session.seen(r"so it was forced: plugin spin-on-unload \(on-unload\) held "
                                r"it up$", "server")

    asyncio.run(scenario())
