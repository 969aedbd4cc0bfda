"""fanout: one chat event delivered to 10 plugins, events/s through the full host path."""

from __future__ import annotations

import asyncio

from gui.bench.common import Bench, BenchProfile, Options, median
from gui.bench.dispatch import BURST, _chat, _measure_path, _players
from gui.devkit.wat_build import build_fixture

PLUGINS = 10


def run(options: Options) -> dict[str, float]:
    plugins = [build_fixture("echo", plugin_name=f"echo{i}") for i in range(PLUGINS)]
    return asyncio.run(_run(plugins, options))


async def _run(plugins, options: Options) -> dict[str, float]:
    total = 100 if options.quick else 1000
    async with BenchProfile(plugins) as core:
        running = [p for p in core.plugins.plugins.values() if p.is_live()]
        assert len(running) == PLUGINS, [p.error for p in core.plugins.plugins.values()]
        calls_before = sum(p.metrics.calls for p in running)
        players = _players(BURST)
        chat = lambda i: _chat(players[i % BURST], players)  # noqa: E731
        rates = await _measure_path(core, chat, total, options.rounds)
        calls = sum(p.metrics.calls for p in running) - calls_before
    delivered = total * options.rounds * PLUGINS
    return {"events_per_s": round(median(rates), 1), "plugins": PLUGINS,
            "handler_calls_per_s": round(median(rates) * PLUGINS, 1),
            "all_delivered": 1.0 if calls == delivered else 0.0}


BENCHES = [Bench("fanout", f"one chat event to {PLUGINS} plugins, events/s", run)]
