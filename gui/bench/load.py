"""load: compiling and loading a 32 MB pumpkin-api-py plugin, cold and warm.

Figures: cold compile (empty cache), warm load (deserialized from the
cache), instantiate + init-plugin + get-metadata, and how many compiles a
second server start performs with the same cache (must be 0).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from gui.bench.common import Bench, BenchProfile, Options, median, sdk_bench_plugin
from gui.hostapi import HostApi
from gui.hostapi.scope import PluginScope
from gui.runtime import Limits, PluginRuntime, Sandbox


def run(options: Options) -> dict[str, float]:
    return asyncio.run(_run(sdk_bench_plugin(), options))


async def _run(plugin: Path, options: Options) -> dict[str, float]:
    wasm = plugin.read_bytes()
    cache = Path(tempfile.mkdtemp(prefix="pumpkin-patch-bench-load-"))
    try:
        runtime = PluginRuntime(cache / "compiled")
        runtime.start()
        try:
            started = time.perf_counter()
            compiled = await runtime.compile(wasm)
            cold = time.perf_counter() - started
            assert not compiled.from_cache
            warm = []
            for _ in range(options.rounds):
                started = time.perf_counter()
                again = await runtime.compile(wasm)
                warm.append(time.perf_counter() - started)
                assert again.from_cache
            started = time.perf_counter()
            scope = PluginScope.detached("load", lambda level, message: None)
            linked = await runtime.link("load", compiled, lambda t: HostApi(scope, t))
            link_s = time.perf_counter() - started
            inst = []
            for _ in range(options.rounds):
                started = time.perf_counter()
                instance = await runtime.instantiate(linked, limits=Limits(), sandbox=Sandbox(),
                                                     stdout=print, stderr=print)
                await runtime.call(instance, "init-plugin")
                await runtime.call(instance, "get-metadata")
                inst.append(time.perf_counter() - started)
                await runtime.run(instance.close)
        finally:
            await asyncio.to_thread(runtime.shutdown)
        compiles = []
        for _ in range(2):
            async with BenchProfile([plugin], cache=cache / "profile") as core:
                compiles.append(core.runtime.cache.compiles)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {
        "wasm_mb": round(len(wasm) / 1e6, 1),
        "cold_compile_s": round(cold, 2),
        "warm_load_s_median": round(median(warm), 3),
        "link_s": round(link_s, 3),
        "instantiate_init_metadata_s_median": round(median(inst), 3),
        "first_start_compiles": float(compiles[0]),
        "second_start_compiles": float(compiles[1]),
    }


BENCHES = [Bench("load", "cold compile, warm load from cache, instantiate+init+metadata of "
                 "a 32 MB SDK plugin; compiles on a second start", run)]
