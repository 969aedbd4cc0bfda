"""Compiling in a worker process (gui/runtime/compile_worker.py): the process boundary.

A worker that compiles writes the artifact the app then maps; one that is
killed or crashes gives an error naming the plugin, and the next compile
works. Fixtures are small, so the runtime is told to send every component to
a worker (``worker_min_bytes=0``); the app does that from 4 MiB on.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from dataclasses import replace

import pytest
import wasmtime

from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginState
from gui.runtime import PluginRuntime
from gui.runtime.compile_worker import CompileWorkerFailed
from tests.harness import Session

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")


async def _kill_first_worker(runtime: PluginRuntime, sig: int) -> int:
    """Wait for a compile worker to start, then send it ``sig``; its pid."""
    for _ in range(2000):
        pids = runtime.workers.pids()
        if pids:
            os.kill(pids[0], sig)
            return pids[0]
        await asyncio.sleep(0.005)
    raise AssertionError("no compile worker started within 10 s")


def test_a_worker_compiles_into_the_cache_and_the_app_maps_the_artifact(tmp_path):
    wasm = build_fixture("echo").read_bytes()

    async def scenario():
        runtime = PluginRuntime(tmp_path / "cache", worker_min_bytes=0)
        runtime.start()
        try:
            first = await runtime.compile(wasm, "echo.wasm")
            again = await runtime.compile(wasm, "echo.wasm")
        finally:
            runtime.shutdown()
        return runtime, first, again

    runtime, first, again = asyncio.run(scenario())
    assert (first.from_cache, again.from_cache) == (False, True)
    assert (runtime.cache.compiles, runtime.workers.started) == (1, 1)
    assert runtime.cache.artifact_path(first.sha256).is_file()
    assert not list((tmp_path / "cache").glob(".*.tmp"))
    assert runtime.workers.pids() == []  # the worker is gone once the compile is done


def test_an_invalid_component_is_refused_by_the_worker_with_wasmtimes_reason(tmp_path):
    async def scenario():
        runtime = PluginRuntime(tmp_path / "cache", worker_min_bytes=0)
        runtime.start()
        try:
            with pytest.raises(wasmtime.WasmtimeError) as raised:
                await runtime.compile(b"\0asm\x0d\x00\x01\x00 broken", "broken.wasm")
        finally:
            runtime.shutdown()
        return str(raised.value)

    message = asyncio.run(scenario())
    assert message.strip() and "compile worker" not in message
    assert not list((tmp_path / "cache").glob("*.cwasm"))


@pytest.mark.parametrize(("sig", "name"), [(signal.SIGKILL, "SIGKILL"),
                                           (signal.SIGSEGV, "SIGSEGV")])
def test_a_killed_or_crashed_worker_names_the_plugin_and_the_next_compile_works(
        tmp_path, sig, name):
    wasm = build_fixture("echo").read_bytes()

    async def scenario():
        runtime = PluginRuntime(tmp_path / "cache", worker_min_bytes=0)
        runtime.start()
        try:
            compiling = asyncio.ensure_future(runtime.compile(wasm, "echo.wasm"))
            await _kill_first_worker(runtime, sig)
            with pytest.raises(CompileWorkerFailed) as failed:
                await compiling
            after = await runtime.compile(wasm, "echo.wasm")
        finally:
            runtime.shutdown()
        return failed.value, after

    failed, after = asyncio.run(scenario())
    assert failed.plugin == "echo.wasm"
    assert str(failed).startswith("compiling echo.wasm failed: the compile worker was killed "
                                  f"by {name}")
    assert "try again" in str(failed)
    assert not after.from_cache  # the killed worker left no artifact behind


def test_a_plugin_whose_compile_worker_dies_fails_with_that_reason_then_loads(paths, tmp_path):
    paths = replace(paths, cache_dir=tmp_path / "cold-cache")

    async def scenario():
        async with Session(paths) as s:
            s.core.runtime.cache.worker_min_bytes = 0
            target = s.paths.plugins_dir / "echo.wasm"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(build_fixture("echo"), target)
            loading = asyncio.ensure_future(s.plugins.load(target))
            await _kill_first_worker(s.core.runtime, signal.SIGKILL)
            plugin = await loading
            refused = (plugin.lifecycle.state, plugin.error)
            await s.run("plugin reload echo")
            await s.wait_until(lambda: plugin.is_live(), what="echo running after a reload")
            return refused, plugin.lifecycle.state

    (state, error), after = asyncio.run(scenario())
    assert state is PluginState.FAILED
    assert error.startswith("compiling echo.wasm failed: the compile worker was killed")
    assert "not a valid WebAssembly component" not in error  # not the file's fault
    assert after is PluginState.RUNNING


def test_shutting_the_runtime_down_kills_a_worker_still_compiling(tmp_path):
    wasm = build_fixture("echo").read_bytes()

    async def scenario():
        runtime = PluginRuntime(tmp_path / "cache", worker_min_bytes=0)
        runtime.start()
        compiling = asyncio.ensure_future(runtime.compile(wasm, "echo.wasm"))
        for _ in range(2000):
            if runtime.workers.pids():
                break
            await asyncio.sleep(0.005)
        pid = runtime.workers.pids()[0]
        await asyncio.to_thread(runtime.shutdown)
        with pytest.raises(CompileWorkerFailed):
            await compiling
        return pid

    pid = asyncio.run(scenario())
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)
