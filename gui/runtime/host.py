"""``PluginRuntime``: the thread-safe face of the wasmtime host.

Owns the Engine, the epoch ticker, the compile cache (compiles run on a
small pool, several at once, since a 32 MB component takes seconds), and
the runtime thread on which every link, instantiation and guest call
happens. All methods are ``async`` and safe to call from the server's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasmtime

from gui.runtime.compile_worker import CompileWorkers
from gui.runtime.engine import (
    WORKER_MIN_BYTES,
    CompiledComponent,
    ComponentCache,
    EpochTicker,
)
from gui.runtime.engine_config import create_engine
from gui.runtime.instance import ExportTable, Limits, PluginInstance, Sandbox
from gui.runtime.linking import HostBindings, LinkReport, link
from gui.runtime.memory import release_free_memory, return_large_blocks_at_once
from gui.runtime.resources import HandleTable
from gui.runtime.thread import RuntimeThread
from gui.runtime.values import ValueBridge
from gui.runtime.world import WorldInfo, check_world

log = logging.getLogger(__name__)

# Nice value of compile threads: a 32 MB compile keeps every core busy for
# seconds, and the window and the tick loop must still get the CPU at once.
COMPILE_NICENESS = 10


def lower_this_threads_priority() -> None:
    """Run the calling thread (and the threads it starts) at a lower CPU priority.

    On Linux the nice value is per thread and inherited by threads a thread
    creates, so wasmtime's own compile workers, started from a compile
    thread, run at it too. Elsewhere this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), COMPILE_NICENESS)
    except OSError as exc:  # never a reason not to compile
        log.debug("could not lower the compile thread's priority: %s", exc)


@dataclass
class LinkedPlugin:
    """A compiled plugin linked to its host functions; instantiated again after each trap."""

    name: str
    compiled: CompiledComponent
    world: WorldInfo
    linker: wasmtime.component.Linker
    bridge: ValueBridge
    exports: ExportTable
    table: HandleTable
    report: LinkReport


class PluginRuntime:
    """Engine, compile cache, epoch ticker and the runtime thread."""

    def __init__(self, cache_dir: Path, *, compile_workers: int = 2,
                 worker_min_bytes: int = WORKER_MIN_BYTES) -> None:
        return_large_blocks_at_once()  # .wasm files and artifacts are tens of MB
        self.engine = create_engine()
        self.workers = CompileWorkers(niceness=COMPILE_NICENESS)
        self.cache = ComponentCache(self.engine, cache_dir, workers=self.workers,
                                    worker_min_bytes=worker_min_bytes)
        self.thread = RuntimeThread()
        self._ticker = EpochTicker(self.engine)
        self._compile_pool = concurrent.futures.ThreadPoolExecutor(
            compile_workers, thread_name_prefix="plugin-compile",
            initializer=lower_this_threads_priority,
        )
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._ticker.start()
            self.thread.start()

    async def compile(self, wasm: bytes, plugin: str = "the plugin") -> CompiledComponent:
        """Compile (or load from cache) off every thread that serves people.

        ``plugin`` names the component in errors (its file name).
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._compile_pool, self.cache.load, wasm, plugin)

    async def link(self, name: str, compiled: CompiledComponent,
                   bindings: Callable[[HandleTable], HostBindings]) -> LinkedPlugin:
        """Check the world and link; raises NotAPumpkinPlugin with the reason."""
        return await self.thread.run(self._link, name, compiled, bindings)

    def _link(self, name: str, compiled: CompiledComponent,
              bindings: Callable[[HandleTable], HostBindings]) -> LinkedPlugin:
        world = check_world(compiled.component, self.engine)
        table = HandleTable(name)
        linker, bridge, report = link(self.engine, compiled.component, bindings(table), table)
        exports = ExportTable(self.engine, compiled.component, bridge)
        return LinkedPlugin(name, compiled, world, linker, bridge, exports, table, report)

    async def instantiate(
        self,
        linked: LinkedPlugin,
        *,
        limits: Limits,
        sandbox: Sandbox,
        stdout: Callable[[str], None],
        stderr: Callable[[str], None],
    ) -> PluginInstance:
        def make() -> PluginInstance:
            linked.table.clear()  # handles of a dead instance mean nothing now
            return PluginInstance(
                linked.name, self.engine, linked.compiled.component, linked.linker,
                linked.exports, limits=limits, sandbox=sandbox, stdout=stdout, stderr=stderr,
                http=linked.report.http, waits=linked.report.waits,
            )

        return await self.thread.run(make)

    async def call(self, instance: PluginInstance, export: str, *args: Any,
                   deadline: float | None = None) -> Any:
        return await self.thread.run(lambda: instance.call(export, *args, deadline=deadline))

    async def release(self, linked: LinkedPlugin) -> None:
        """Free a linked plugin's Linker and host handles (the plugin is removed or replaced).

        wasmtime-py keeps host functions in a module-level table until their
        Linker is freed, and a plugin's host functions lead back to its
        LinkedPlugin (through the plugin's scope), so the garbage collector
        never frees them: each removed plugin kept its linker, its compiled
        component and everything they reach. Done on the runtime thread,
        which owns every wasmtime object.
        """
        def drop() -> None:
            linked.table.clear()
            linked.linker = None  # type: ignore[assignment]  # released: never linked again
            release_free_memory()

        await self.thread.run(drop)

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run arbitrary runtime-thread work (e.g. closing an instance)."""
        return await self.thread.run(fn, *args)

    def shutdown(self) -> None:
        self.workers.stop()
        self.thread.stop()
        self._ticker.stop()
        self._compile_pool.shutdown(wait=True, cancel_futures=True)
