"""fanout: one chat event delivered to 10 plugins, events/s through the full host path."""

from __future__ import annotations

import asyncio

from gui.bench.common import Bench, BenchProfile, Options, median
from gui.bench.dispatch import _chat, _measure_path, _players
from gui.devkit.wat_build import build_fixture

PLUGINS = 10


def run(options: Options) -> dict[str, float]:
    plugins = [build_fixture("echo", plugin_name=f"echo{i}", command=f"ping{i}")
               for i in range(PLUGINS)]
    return asyncio.run(_run(plugins, options))


async def _run(plugins, options: Options) -> dict[str, float]:
    """Chat events between two players, and with 20 players online.

    Every recipient is a player handle lowered into each plugin and lifted
    back, so the recipient count is part of the figure.
    """
    total = 100 if options.quick else 1000
    figures: dict[str, float] = {"plugins": PLUGINS}
    async with BenchProfile(plugins) as core:
        running = [p for p in core.plugins.plugins.values() if p.is_live()]
        assert len(running) == PLUGINS, [p.error for p in core.plugins.plugins.values()]
        calls_before = sum(p.metrics.calls for p in running)
        for online, key in ((2, "events_per_s"), (20, "events_per_s_20_online")):
            players = _players(online)
            chat = lambda i, ps=players: _chat(ps[i % len(ps)], ps)  # noqa: E731
            events = total if online == 2 else total // 5
            rates = await _measure_path(core, chat, events, options.rounds)
            figures[key] = round(median(rates), 1)
            figures[f"handler_calls_per_s{key[len('events_per_s'):]}"] = round(
                median(rates) * PLUGINS, 1)
        calls = sum(p.metrics.calls for p in running) - calls_before
    expected = (total + total // 5) * options.rounds * PLUGINS
    figures["all_delivered"] = 1.0 if calls == expected else 0.0
    return figures


BENCHES = [Bench("fanout", f"one chat event to {PLUGINS} plugins, events/s (2 and 20 "
                 "players online)", run)]
