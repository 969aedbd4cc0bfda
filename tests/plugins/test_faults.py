"""Every kind of plugin fault, with real WAT plugins in a real server core.

For each fault: the fault is reported with the plugin's name and kind, the
server keeps ticking, another plugin (echo) keeps answering, and the
restart / quarantine policy happens.
"""

from __future__ import annotations

import asyncio

import pytest

from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginFaulted, PluginState
from gui.runtime import Limits, TrapKind
from tests.harness import Session

# (fixture, expected kind, export that traps)
EVENT_FAULTS = [
    ("trap-in-event", TrapKind.UNREACHABLE),
    ("spin-in-event", TrapKind.DEADLINE),
    ("memory-bomb", TrapKind.MEMORY_LIMIT),
    ("deep-recursion", TrapKind.STACK_OVERFLOW),
    ("host-error", TrapKind.HOST_ERROR),
    ("unimplemented-import", TrapKind.UNIMPLEMENTED),
]

LIMITS = Limits(memory_bytes=32 * 1024 * 1024, call_deadline=0.2, load_deadline=2.0)


def faults_of(session: Session, plugin: str) -> list[PluginFaulted]:
    return [n for n in session.notices
            if isinstance(n, PluginFaulted) and n.record.plugin == plugin]


async def echo_answers(session: Session, player: str = "Bob") -> None:
    start = len(session.lines)
    await session.run(f"playtest run {player} ping")
    await session.wait_for(rf"^{player} <- feedback: pong$", source="playtest", start=start)


@pytest.mark.parametrize(("fixture", "kind"), EVENT_FAULTS)
def test_event_fault_is_contained_reported_and_restarted(paths, fixture, kind):
    async def scenario() -> None:
        session = Session(paths, limits=LIMITS)
        session.install(build_fixture("echo"), build_fixture(fixture))
        async with session:
            await session.run("playtest join Bob")
            await echo_answers(session)
            ticks_before = session.server.ticks.tick_count
            start = len(session.lines)
            await session.run("playtest chat Bob hello everyone")
            # The chat still reaches players: the faulty handler is skipped.
            await session.wait_for(r"^Bob <- chat: <Bob> hello everyone$", "playtest",
                                   start=start)
            await session.wait_until(lambda: faults_of(session, fixture), what="fault notice")
            notice = faults_of(session, fixture)[0]
            assert notice.record.fault.kind is kind, notice.record.describe()
            assert notice.record.export == "handle-event"
            assert not notice.quarantined
            assert session.seen(rf"plugin '{fixture}' trapped in handle-event \({kind}\)",
                                source=fixture)
            # Restarted with a fresh instance, and the other plugin never stopped.
            plugin = session.plugins.get(fixture)
            await session.wait_until(lambda: plugin.state is PluginState.RUNNING,
                                     what=f"{fixture} running again")
            await echo_answers(session)
            await session.wait_until(
                lambda: session.server.ticks.tick_count > ticks_before + 5, what="ticks")
            assert session.server.state == "running"

    asyncio.run(scenario())


def test_three_traps_quarantine_until_enabled(paths):
    async def scenario() -> None:
        session = Session(paths, limits=LIMITS)
        session.install(build_fixture("echo"), build_fixture("trap-in-event"))
        async with session:
            plugin = session.plugins.get("trap-in-event")
            await session.run("playtest join Bob")
            for n in range(1, 4):
                await session.wait_until(lambda: plugin.state is PluginState.RUNNING,
                                         what="running before trap")
                await session.run(f"playtest chat Bob message {n}")
                await session.wait_until(lambda n=n: len(faults_of(session, "trap-in-event"))
                                         == n, what=f"trap {n}")
            assert faults_of(session, "trap-in-event")[-1].quarantined
            assert plugin.state is PluginState.QUARANTINED
            assert session.seen(r"trap-in-event quarantined after 3 traps", source="plugins")
            await asyncio.sleep(0.4)  # longer than every backoff: no restart happens
            assert plugin.state is PluginState.QUARANTINED
            await echo_answers(session)
            await session.plugins.enable("trap-in-event")
            assert plugin.state is PluginState.RUNNING

    asyncio.run(scenario())


def test_trap_in_on_load_restarts_then_quarantines(paths):
    async def scenario() -> None:
        session = Session(paths, limits=LIMITS)
        session.install(build_fixture("echo"), build_fixture("trap-on-load"))
        async with session:
            plugin = session.plugins.get("trap-on-load")
            await session.wait_until(lambda: plugin.state is PluginState.QUARANTINED,
                                     what="quarantine")
            faults = faults_of(session, "trap-on-load")
            assert [f.record.export for f in faults] == ["on-load"] * 3
            assert all(f.record.fault.kind is TrapKind.UNREACHABLE for f in faults)
            await session.run("playtest join Bob")
            await echo_answers(session)

    asyncio.run(scenario())


def test_disable_during_backoff_cancels_restart(paths):
    async def scenario() -> None:
        session = Session(paths, limits=LIMITS)
        session.install(build_fixture("trap-in-event"))
        async with session:
            plugin = session.plugins.get("trap-in-event")
            await session.run("playtest join Bob")
            await session.run("playtest chat Bob boom")
            await session.wait_until(lambda: plugin.state is PluginState.TRAPPED, what="trap")
            await session.plugins.disable("trap-in-event")
            await asyncio.sleep(0.3)
            assert plugin.state is PluginState.DISABLED

    asyncio.run(scenario())
