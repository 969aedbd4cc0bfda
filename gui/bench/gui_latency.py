"""gui-latency: the window's event loop stays responsive while plugins work hard.

The real application (window, core, market, notifications) runs on a
throw-away profile, on the offscreen platform when there is no display. A
precise 5 ms Qt timer (:class:`gui.ui.stall_probe.StallProbe`) records how
late the GUI loop gets, in three scenarios, each in a fresh app:

(a) ``compile``: a 32 MB pumpkin-api-py plugin is added with an empty
    compile cache, so it really compiles (seconds, on the compile pool):
    once by the plugin manager (``compile_load``: as at startup or a
    reload), once through the install pipeline a dropped file takes
    (``compile_install``: inspect, review, commit, load);
(b) ``spin``: a plugin's chat handler spins until its 200 ms deadline, over
    and over (interrupted, trap notification, restart);
(c) ``chat``: 1,000 chat events a second from a virtual player flow to 5
    plugins with chat handlers, for a few seconds, console following.

Figures per scenario (ms): ``max_stall``, the median over rounds of each
round's worst stall, held against the 50 ms target (the machine is shared
and noisy, as for every bench here); ``worst_stall``, the worst of all;
``p99_stall``. The chat scenario also reports the event rate the core
reached (``chat_events_per_s``: the offered 1,000/s is only a load if the
core keeps up with it). Qt is imported only when the bench runs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from gui.bench.common import Bench, Options, bench_cache, median, sdk_bench_plugin
from gui.devkit.wat_build import build_fixture
from gui.paths import AppPaths
from gui.plugins import FaultPolicy, PluginState

TARGET_MS = 50.0
CHAT_RATE = 1000  # events per second
CHAT_PLUGINS = 5
PACE = 0.01  # seconds between bursts: 10 events per burst at 1,000/s


def run(options: Options) -> dict[str, float]:
    """Run the three scenarios in one Qt application; figures in milliseconds."""
    if not os.environ.get("QT_QPA_PLATFORM") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("PUMPKIN_PATCH_BUILD_SAMPLES", "0")  # no background SDK builds
    from gui.app import EventLoop, create_qapplication, shutdown_qapplication

    qt_app = create_qapplication()
    loop = EventLoop(qt_app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return loop.run_until_complete(_run(options))
    finally:
        asyncio.set_event_loop(None)
        shutdown_qapplication(qt_app)


async def _run(options: Options) -> dict[str, float]:
    big = await asyncio.to_thread(sdk_bench_plugin)  # built once, cached
    figures: dict[str, float] = {"target_ms": TARGET_MS}
    figures.update(await _compile_scenario(big, options))
    figures.update(await _spin_scenario(options))
    figures.update(await _chat_scenario(options))
    return figures


class _App:
    """A throw-away profile and the real Application on it."""

    def __init__(self, plugins: dict[str, Path], *, cold_cache: bool = False,
                 policy: FaultPolicy | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pumpkin-patch-bench-gui-"))
        cache = self.root / "cache" if cold_cache else bench_cache()
        self.paths = replace(AppPaths.under(self.root), cache_dir=cache)
        self.paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        for name, source in plugins.items():
            shutil.copyfile(source, self.paths.plugin_file(name))
        self.policy = policy
        self.app: Any = None

    async def __aenter__(self) -> Any:
        from gui.app import Application
        from gui.core import ServerCore

        core = ServerCore(self.paths)
        if self.policy is not None:
            core.plugins.policy = self.policy
        self.app = Application(self.paths, core=core, read_stdin=False)
        ready = asyncio.get_running_loop().create_future()
        self.app.ready.connect(lambda ok: ready.done() or ready.set_result(ok))
        self.app.start()
        if not await ready:
            raise RuntimeError(f"the app did not start: {self.app.control.error}")
        await asyncio.sleep(0.5)  # let the first paint and the tick loop settle
        return self.app

    async def __aexit__(self, *exc: object) -> None:
        self.app.request_quit()
        await self.app._finished.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _probe() -> Any:
    from gui.ui.stall_probe import StallProbe

    return StallProbe(5)


def _figures(name: str, rounds: list[list[float]]) -> dict[str, float]:
    """Per scenario: the median over rounds of each round's worst stall (the figure
    held against the target; the machine is shared and noisy), the worst of all,
    and the 99th percentile of every stall measured."""
    ordered = sorted(stall for stalls in rounds for stall in stalls) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    worst_per_round = [max(stalls, default=0.0) for stalls in rounds]
    return {f"{name}_max_stall_ms": round(median(worst_per_round) * 1000, 1),
            f"{name}_worst_stall_ms": round(ordered[-1] * 1000, 1),
            f"{name}_p99_stall_ms": round(p99 * 1000, 1)}


async def _until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gui-latency: {what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.02)


async def _compile_scenario(big: Path, options: Options) -> dict[str, float]:
    """Each round with an empty compile cache: the manager loading a new file (as at
    startup or a reload); then once through the install pipeline a dropped file takes."""
    figures: dict[str, float] = {}
    load_rounds = 1 if options.quick else min(3, options.rounds)
    for phase, rounds in (("load", load_rounds), ("install", 1)):
        stalls: list[list[float]] = []
        seconds: list[float] = []
        for _ in range(rounds):
            round_stalls, round_seconds = await _compile_once(big, phase)
            stalls.append(round_stalls)
            seconds.append(round_seconds)
        figures.update(_figures(f"compile_{phase}", stalls))
        figures[f"compile_{phase}_seconds"] = round(median(seconds), 1)
    return figures


async def _compile_once(big: Path, phase: str) -> tuple[list[float], float]:
    async with _App({}, cold_cache=True) as app:
        manager = app.core.plugins
        folder = Path(tempfile.mkdtemp(prefix="pumpkin-patch-bench-drop-"))
        source = folder / "big.wasm"
        await asyncio.to_thread(shutil.copyfile, big, source)
        probe = _probe()
        started = time.perf_counter()
        probe.start()
        if phase == "load":
            app.tasks.start(manager.add(source), "Adding big.wasm")
        else:
            app.window.installer.install_one(source, allow_unsigned=True)  # as if dropped
        await _until(lambda: any(p.state is PluginState.RUNNING
                                 for p in manager.plugins.values()), 300,
                     "the 32 MB plugin load")
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.3)
        stalls = probe.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return stalls, seconds


async def _spin_scenario(options: Options) -> dict[str, float]:
    policy = FaultPolicy(backoff=(0.05, 0.05, 0.05), max_traps=10_000)
    plugins = {"echo": build_fixture("echo"), "spin": build_fixture("spin-in-event")}
    async with _App(plugins, policy=policy) as app:
        server = app.core.server
        spinner = app.core.plugins.get("spin-in-event")
        await server.execute_console("playtest join Bench")
        player = server.players.get("Bench")
        trials = 2 if options.quick else max(3, options.rounds)
        stalls: list[list[float]] = []
        for _ in range(trials):
            await _until(lambda: spinner.state is PluginState.RUNNING, 30, "the restart")
            probe = _probe()
            probe.start()
            faults = len(spinner.faults)
            await server.chat(player, "spin, please")  # spins until its 200 ms deadline
            await _until(lambda f=faults: len(spinner.faults) > f, 30, "the interruption")
            await asyncio.sleep(0.3)  # the notification, badge and restart that follow
            stalls.append(probe.stop())
    return {**_figures("spin", stalls), "spin_trials": trials}


async def _chat_scenario(options: Options) -> dict[str, float]:
    plugins = {f"chatty{i}": build_fixture("echo", plugin_name=f"chatty{i}",
                                           command=f"ping{i}")
               for i in range(CHAT_PLUGINS)}
    return await _chat_flood(plugins, options)


async def _chat_flood(plugins: dict[str, Path], options: Options) -> dict[str, float]:
    async with _App(plugins) as app:
        server = app.core.server
        await server.execute_console("playtest join Bench")
        player = server.players.get("Bench")
        app.window.show_page("server")  # the console follows the flood
        rounds = 1 if options.quick else 3
        stalls: list[list[float]] = []
        rates: list[float] = []
        for _ in range(rounds):
            round_stalls, rate = await _flood(server, player, 2.0 if options.quick else 3.0)
            stalls.append(round_stalls)
            rates.append(rate)
        calls = sum(p.metrics.calls for p in app.core.plugins.plugins.values())
    return {**_figures("chat", stalls), "chat_events_per_s": round(median(rates)),
            "chat_plugin_calls": calls}


async def _flood(server: Any, player: Any, duration: float) -> tuple[list[float], float]:
    """Chat at CHAT_RATE for ``duration`` seconds; (stalls, events/s achieved)."""
    per_burst = max(1, round(CHAT_RATE * PACE))
    done = 0
    pending: set[asyncio.Task[Any]] = set()

    def finished(task: asyncio.Task[Any]) -> None:
        nonlocal done
        pending.discard(task)
        done += 1

    probe = _probe()
    loop = asyncio.get_running_loop()
    probe.start()
    started = loop.time()
    burst = 0
    while loop.time() - started < duration:
        for _ in range(per_burst):
            task = loop.create_task(server.chat(player, f"message {burst}"))
            task.add_done_callback(finished)
            pending.add(task)
        burst += 1
        await asyncio.sleep(max(0.0, started + burst * PACE - loop.time()))
    if pending:
        await asyncio.gather(*pending)
    elapsed = loop.time() - started
    await asyncio.sleep(0.3)  # the last console batch reaches the view
    return probe.stop(), done / elapsed


BENCHES = [Bench("gui-latency", "the window's longest event-loop stall during a 32 MB compile, "
                 "a spinning plugin, and 1,000 chat events/s to 5 plugins", run)]

if __name__ == "__main__":  # python -m gui.bench.gui_latency
    print(run(Options(quick="--quick" in sys.argv)))
