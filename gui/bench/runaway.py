"""runaway: a plugin spinning in its event handler, and what the server keeps meanwhile.

Figures: how long after its deadline a spinning handler is interrupted
(median and worst of several trials at the default 200 ms deadline), and
the TPS of the tick loop while a handler spins for a full second.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from gui.bench.common import Bench, BenchProfile, Options, median
from gui.bench.dispatch import _chat, _players
from gui.devkit.wat_build import build_fixture
from gui.plugins import FaultPolicy, PluginState
from gui.runtime import Limits

DEADLINE = 0.2
LONG_DEADLINE = 1.0


def run(options: Options) -> dict[str, float]:
    return asyncio.run(_run(options))


async def _spin_once(core, deadline: float) -> tuple[float, float]:
    """One trial: (seconds past the deadline, TPS during the spin)."""
    plugin = core.plugins.get("spin-in-event")
    while plugin.state is not PluginState.RUNNING:
        await asyncio.sleep(0.01)
    core.plugins.limits = replace(core.plugins.limits, call_deadline=deadline)
    players = _players(1)
    ticks = core.server.ticks
    faults = len(plugin.faults)
    before = ticks.tick_count
    started = time.perf_counter()
    await core.server.events.fire(_chat(players[0], players))
    elapsed = time.perf_counter() - started
    assert len(plugin.faults) == faults + 1, "the spinning handler was not interrupted"
    tps = min(20.0, (ticks.tick_count - before) / elapsed)
    return elapsed - deadline, tps


async def _run(options: Options) -> dict[str, float]:
    policy = FaultPolicy(backoff=(0.05, 0.05, 0.05), max_traps=1000)
    async with BenchProfile([build_fixture("spin-in-event")],
                            limits=Limits(call_deadline=DEADLINE), policy=policy) as core:
        await asyncio.sleep(0.5)  # let the tick loop settle
        overruns = [(await _spin_once(core, DEADLINE))[0] for _ in range(options.rounds)]
        long_trials = [await _spin_once(core, LONG_DEADLINE)
                       for _ in range(1 if options.quick else 3)]
    return {
        "deadline_ms": DEADLINE * 1000,
        "overrun_ms_median": round(median(overruns) * 1000, 1),
        "overrun_ms_max": round(max(overruns) * 1000, 1),
        "tps_during_spin_median": round(median([t for _, t in long_trials]), 1),
        "tps_during_spin_min": round(min(t for _, t in long_trials), 1),
    }


BENCHES = [Bench("runaway", "a spinning event handler: interruption past the deadline, "
                 "TPS meanwhile", run)]
