"""Compiles run at a lower CPU priority than the window and the tick loop (Linux)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from gui.devkit.wat_build import build_fixture
from gui.runtime import PluginRuntime
from gui.runtime.host import COMPILE_NICENESS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_compile_threads_and_the_threads_they_start_are_niced(tmp_path):
    def niceness(tid: int) -> int:
        with open(f"/proc/self/task/{tid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[16])

    async def scenario() -> None:
        runtime = PluginRuntime(tmp_path / "cache")
        runtime.start()
        try:
            before = set(os.listdir("/proc/self/task"))
            await runtime.compile(build_fixture("echo").read_bytes())
            worker = await asyncio.get_running_loop().run_in_executor(
                runtime._compile_pool, threading.get_native_id)
            assert niceness(worker) == COMPILE_NICENESS
            started = set(os.listdir("/proc/self/task")) - before
            assert started, "the compile started no thread"
            assert {niceness(int(t)) for t in started} == {COMPILE_NICENESS}
            assert niceness(threading.get_native_id()) == 0  # this (the loop's) thread
        finally:
            await asyncio.to_thread(runtime.shutdown)

    asyncio.run(scenario())
