"""dispatch-sdk and dispatch-wat: events through the whole host path vs plain wasmtime-py.

"ours": events fired on the server (``server.events.fire``) in bursts, as a
busy tick produces them: server -> event bus -> ONE hop to the runtime
thread per burst -> plugin ``handle-event`` -> changes applied back.

"baseline": the same plugin, instantiated with wasmtime-py's own host
trampolines and called with ``Func.__call__`` directly on the runtime thread
(no server, no bus, no thread hops: every advantage the host path lacks),
with the same event values.

dispatch-wat additionally reports "direct": the same export called with
this host's prepared function directly (no server, no bus, no hop), so
``path_vs_direct`` is the share of raw call speed the full path keeps.

The sides are measured in turn, one round each, ``--rounds`` times; the
ratios are medians of the per-round ratios, so a slow spell of the shared
machine weighs on both sides of a comparison alike.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from gui.bench.common import Bench, BenchProfile, Options, median, sdk_bench_plugin
from gui.devkit.wat_build import build_fixture
from gui.hostapi import HostApi
from gui.hostapi.event import to_wit
from gui.hostapi.scope import EventRegistration, PluginScope
from gui.runtime import Limits, PluginInstance, Sandbox
from gui.runtime.instance import ExportTable
from gui.runtime.linking import link
from gui.runtime.resources import HandleTable
from gui.server.events import PlayerChatEvent, PlayerJoinEvent, ServerEvent
from gui.server.players import Player
from gui.server.text import TextComponent

BURST = 20  # events per tick-sized burst


class _NullConnection:
    address = None

    def deliver(self, kind: str, text: TextComponent) -> None:
        pass

    def apply(self, change: object) -> None:
        pass


def _players(count: int) -> list[Player]:
    return [Player(f"Bench{i}", _NullConnection(), uuid=uuid.uuid4()) for i in range(count)]


def _join(player: Player) -> ServerEvent:
    return PlayerJoinEvent(player, TextComponent.of(f"{player.name} joined the game"))


def _chat(player: Player, recipients: list[Player]) -> ServerEvent:
    return PlayerChatEvent(player, "hello there, how is everyone doing today?", recipients)


class _Recorder:
    """PluginCalls for the baseline instance: remembers registrations, runs nothing."""

    def __init__(self) -> None:
        self.events: list[EventRegistration] = []

    def on_event_registered(self, registration: EventRegistration) -> None:
        self.events.append(registration)

    async def run_command(self, handler_id: int, sender: Any, args: Any) -> int:
        return 0

    async def run_task(self, handler_id: int) -> None:
        return None

    def notify_admin(self, level: str, title: str, body: str) -> None:
        return None

    def status_changed(self, status: Any) -> None:
        return None


async def _plain_instance(core: Any, plugin_name: str) -> tuple[PluginInstance, _Recorder]:
    """The baseline: same component, wasmtime-py's trampolines and Func.__call__."""
    record = core.plugins.get(plugin_name)
    recorder = _Recorder()
    loop = asyncio.get_running_loop()
    scope = PluginScope(plugin=f"{plugin_name}-baseline", server=core.server, loop=loop,
                        data_dir=core.paths.plugin_data_dir("baseline"), calls=recorder,
                        log=lambda level, message: None)
    runtime = core.runtime

    def make() -> PluginInstance:
        table = HandleTable(scope.plugin)
        comp = record.compiled.component
        linker, bridge, report = link(runtime.engine, comp, HostApi(scope, table), table,
                                      plain=True)
        # report.http: a component that imports wasi:http needs its Store armed.
        instance = PluginInstance(scope.plugin, runtime.engine, comp, linker,
                                  ExportTable(runtime.engine, comp, bridge),
                                  limits=Limits(), sandbox=Sandbox(), stdout=lambda _: None,
                                  stderr=lambda _: None, plain=True, http=report.http,
                                  waits=report.waits)
        instance.call("init-plugin", deadline=5)
        instance.call("get-metadata", deadline=5)
        instance.call("on-load", object(), deadline=5)
        return instance

    return await runtime.run(make), recorder


def _handler(registrations: list[EventRegistration], event_type: str) -> int:
    return next(r.handler_id for r in registrations if r.event_type == event_type)


async def _measure_path(core: Any, make: Any, total: int, rounds: int) -> list[float]:
    fire = core.server.events.fire
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        done = 0
        while done < total:
            await asyncio.gather(*(fire(make(i)) for i in range(BURST)))
            done += BURST
        rates.append(done / (time.perf_counter() - started))
    return rates


async def _measure_direct(core: Any, instance: PluginInstance, handler_id: int, make: Any,
                          total: int, rounds: int) -> list[float]:
    server = core.server

    def run() -> float:
        started = time.perf_counter()
        for i in range(total):
            instance.call("handle-event", handler_id, server, to_wit(make(i)), deadline=5)
        return total / (time.perf_counter() - started)

    return [await core.runtime.run(run) for _ in range(rounds)]


async def _interleaved(rounds: int, *measures: Any) -> list[list[float]]:
    """One round of each measure in turn, ``rounds`` times: each list's rates, in order.

    On a shared, noisy machine a slow spell then hits every side of a
    comparison alike, so per-round ratios (see :func:`_paired`) stay honest.
    """
    out: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for rates, measure in zip(out, measures, strict=True):
            rates.extend(await measure())
    return out


def _paired(ours: list[float], other: list[float]) -> float:
    """Median of the per-round ratios ours / other."""
    return median([o / b for o, b in zip(ours, other, strict=True) if b]) if other else 0.0


def _figures(prefix: str, ours: list[float], baseline: list[float]) -> dict[str, float]:
    return {f"{prefix}ours_eps": round(median(ours), 1),
            f"{prefix}baseline_eps": round(median(baseline), 1),
            f"{prefix}ratio": round(_paired(ours, baseline), 1)}


def run_sdk(options: Options) -> dict[str, float]:
    plugin = sdk_bench_plugin()
    return asyncio.run(_run_sdk(plugin, options))


async def _run_sdk(plugin: Path, options: Options) -> dict[str, float]:
    total = 100 if options.quick else 600
    base_total = 8 if options.quick else 40
    async with BenchProfile([plugin]) as core:
        players = _players(BURST)
        chat = lambda i: _chat(players[i % BURST], players)  # noqa: E731
        join = lambda i: _join(players[i % BURST])  # noqa: E731
        await _measure_path(core, join, BURST, 1)  # warm up
        plain, recorder = await _plain_instance(core, "sdk_bench")
        join_id = _handler(recorder.events, "player-join-event")
        chat_id = _handler(recorder.events, "player-chat-event")
        ours_join, base_join, ours_chat, base_chat = await _interleaved(
            options.rounds,
            lambda: _measure_path(core, join, total, 1),
            lambda: _measure_direct(core, plain, join_id, join, base_total, 1),
            lambda: _measure_path(core, chat, total, 1),
            lambda: _measure_direct(core, plain, chat_id, chat, base_total, 1))
    return {**_figures("", ours_join, base_join), **_figures("chat_", ours_chat, base_chat)}


def run_wat(options: Options) -> dict[str, float]:
    return asyncio.run(_run_wat(build_fixture("echo"), options))


async def _run_wat(plugin: Path, options: Options) -> dict[str, float]:
    total = 200 if options.quick else 2000
    base_total = 10 if options.quick else 60
    async with BenchProfile([plugin]) as core:
        players = _players(BURST)
        chat = lambda i: _chat(players[i % BURST], players)  # noqa: E731
        await _measure_path(core, chat, BURST, 1)
        record = core.plugins.get("echo")
        handler = record.scope.events[0].handler_id
        plain, recorder = await _plain_instance(core, "echo")
        plain_id = _handler(recorder.events, "player-chat-event")
        ours, direct, base = await _interleaved(
            options.rounds,
            lambda: _measure_path(core, chat, total, 1),
            lambda: _measure_direct(core, record.instance, handler, chat, total, 1),
            lambda: _measure_direct(core, plain, plain_id, chat, base_total, 1))
    figures = _figures("", ours, base)
    figures["direct_eps"] = round(median(direct), 1)
    figures["path_vs_direct"] = round(_paired(ours, direct), 2)
    return figures


BENCHES = [
    Bench("dispatch-sdk", "player-join and player-chat events into a pumpkin-api-py plugin: "
          "full host path vs plain wasmtime-py", run_sdk),
    Bench("dispatch-wat", "player-chat events into a minimal WAT plugin: full host path vs "
          "plain wasmtime-py and vs a direct prepared call", run_wat),
]
