"""One scenario of the memory bench, in a process of its own: ``python -m gui.bench.memory_probe``.

Resident memory belongs to a process, so every figure of ``bench memory``
comes from a fresh interpreter that does one thing and prints one JSON line
of :func:`gui.runtime.memory.process_memory` figures (MiB) on stdout:

- ``idle``: a headless server with no plugins;
- ``plugins FILE...``: the same with these plugins, loaded from the bench's
  compile cache (the parent compiled them before), plus their linear memory;
- ``cycles FILE ROUNDS``: a headless server where FILE is installed through
  the market's sideload path and uninstalled ROUNDS times, measured after
  the first cycle and after the last;
- ``window``: the window on a fresh profile, after the bundled samples are
  built (SDK builds reused from the devkit cache) and inspected, then with
  two of them installed from the samples source.

Each figure is taken after a full garbage collection and a short settle, the
way an admin would read a task manager.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from gui.runtime.memory import process_memory

MIB = 1024 * 1024
SETTLE_S = 1.0
TWO_INSTALLED = ("greeter", "dice")


async def _grant_nothing(request: Any) -> set[str]:
    return set()


def snapshot() -> dict[str, float]:
    """The process's memory now, MiB (rss, pss, anon, file)."""
    gc.collect()
    found = process_memory()
    if found is None:
        return {}
    return {"rss": found.rss / MIB, "pss": found.pss / MIB,
            "anon": found.anonymous / MIB, "file": found.file_backed / MIB}


async def _settled() -> dict[str, float]:
    await asyncio.sleep(SETTLE_S)
    return snapshot()


def _headless_profile(plugins: list[Path]) -> Any:
    from gui.bench.common import BenchProfile
    from gui.plugins.gate import GrantNothing

    profile = BenchProfile(plugins)
    # Every plugin runs (nothing granted): a plugin held for review would be
    # measured without its instance.
    profile.core.plugins.gate = GrantNothing()
    return profile


async def _idle() -> dict[str, Any]:
    async with _headless_profile([]):
        return await _settled()


async def _plugins(files: list[Path]) -> dict[str, Any]:
    async with _headless_profile(files) as core:
        plugins = list(core.plugins.plugins.values())
        running = [p for p in plugins if p.is_live()]
        if len(running) != len(files):
            problems = {p.name: p.error or str(p.lifecycle.state)
                        for p in plugins if not p.is_live()}
            raise RuntimeError(f"only {len(running)} of {len(files)} plugins run: {problems}")
        figures = await _settled()
        await core.plugins.sample_memory()
        linear = [p.memory_bytes or 0 for p in running]
        figures["linear"] = sum(linear) / MIB
        figures["compiles"] = core.runtime.cache.compiles
        return figures


async def _cycles(file: Path, rounds: int) -> dict[str, Any]:
    async with _headless_profile([]) as core:
        async def cycle() -> None:
            result = await core.market.install_file(file, _grant_nothing, allow_unsigned=True)
            await core.market.uninstall(result.name)

        await cycle()  # the first cycle pays for what is made once (types, codecs)
        first = await _settled()
        for _ in range(rounds):
            await cycle()
        last = await _settled()
    return {"first": first, "last": last}


def _window() -> dict[str, Any]:
    if not os.environ.get("QT_QPA_PLATFORM") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from gui.app import EventLoop, create_qapplication, shutdown_qapplication

    qt_app = create_qapplication()
    loop = EventLoop(qt_app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return loop.run_until_complete(_window_run())
    finally:
        asyncio.set_event_loop(None)
        shutdown_qapplication(qt_app)


async def _window_run() -> dict[str, Any]:
    from gui.app import Application
    from gui.core import ServerCore
    from gui.devkit import devkit_cache_dir
    from gui.paths import AppPaths

    root = Path(tempfile.mkdtemp(prefix="pumpkin-patch-bench-memory-"))
    try:
        paths = AppPaths.under(root)
        core = ServerCore(paths)
        core.build_samples = True
        # The SDK builder is a process of its own and takes ~16 s a sample: reuse
        # its builds. Compiling and inspecting them (what this measures) happen afresh.
        core.market.embedded.cache_dir = devkit_cache_dir() / "sdk"
        app = Application(paths, core=core, read_stdin=False)
        ready = asyncio.get_running_loop().create_future()
        app.ready.connect(lambda ok: ready.done() or ready.set_result(ok))
        app.start()
        if not await ready:
            raise RuntimeError(f"the app did not start: {app.control.error}")
        started = await _settled()
        state = await core.market.wait_samples(timeout=1800)
        if state != "ready":
            raise RuntimeError(f"the samples were not built: {state}")
        figures = await _settled()
        figures["at_start"] = started
        figures["compiles"] = core.runtime.cache.compiles
        for name in TWO_INSTALLED:  # what an admin does next, from the samples source
            await core.market.install(await core.market.find(name), _grant_nothing)
        running = [p.name for p in core.plugins.plugins.values() if p.is_live()]
        if sorted(running) != sorted(TWO_INSTALLED):
            raise RuntimeError(f"installed {TWO_INSTALLED}, running {running}")
        figures["two_installed"] = await _settled()
        app.request_quit()
        await app._finished.wait()
        return figures
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    scenario, args = argv[0], argv[1:]
    if scenario == "idle":
        result = asyncio.run(_idle())
    elif scenario == "plugins":
        result = asyncio.run(_plugins([Path(a) for a in args]))
    elif scenario == "cycles":
        result = asyncio.run(_cycles(Path(args[0]), int(args[1])))
    elif scenario == "window":
        result = _window()
    else:
        print(f"unknown scenario {scenario!r}", file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
