"""The Qt-free core, assembled: local server + plugin runtime + plugin manager.

Both front ends use it: ``pumpkin-patch --headless`` drives it from
stdin/stdout, and the window (gui/app.py) from Qt. Startup order:

1. paths exist; the console log is open;
2. the plugin runtime starts (engine, epoch ticker, runtime thread);
3. the server starts (config, ops, tick loop);
4. plugins load (compiled in parallel, loaded one by one; a broken one is
   recorded and skipped).

Shutdown runs the other way: plugins get on-unload while the server still
runs, then the server stops, then the runtime thread is joined.
"""

from __future__ import annotations

import asyncio
import logging

from gui.paths import AppPaths
from gui.plugins import PluginManager
from gui.runtime import Limits, PluginRuntime
from gui.server.console import ConsoleLog
from gui.server.instance import ServerInstance

log = logging.getLogger(__name__)


class ServerCore:
    """Owns the server, the runtime and the plugin manager of one profile."""

    def __init__(self, paths: AppPaths, *, limits: Limits | None = None) -> None:
        self.paths = paths.ensure()
        self.console = ConsoleLog()
        self.server = ServerInstance(paths.server_dir, console=self.console)
        self.runtime = PluginRuntime(paths.compile_cache_dir)
        self.plugins = PluginManager(self.server, self.runtime, paths, limits=limits)
        self.server.before_stop(self.plugins.shutdown)
        self._closed = False

    async def start(self) -> None:
        self.runtime.start()
        await self.server.start()
        await self.plugins.load_all()

    async def wait_stopped(self) -> None:
        await self.server.stopped.wait()

    async def stop(self) -> None:
        """Unload plugins, stop the server, join the runtime thread. Idempotent."""
        if self._closed:
            return
        await self.server.stop()  # runs before_stop hooks: plugins get on-unload
        self._closed = True
        await asyncio.to_thread(self.runtime.shutdown)
