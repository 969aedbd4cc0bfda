"""The plugin manager: loading, running, faults and unloading of every plugin.

One :class:`PluginManager` per server. It owns the plugins dir, a
:class:`~gui.plugins.registry.Plugin` record per plugin, the event bus, and
the fault policy. It is the server's event sink (events go to plugin
handlers in one hop per batch) and its plugin host (``plugins`` and
``plugin reload`` commands). Everything here runs on the server's asyncio
loop; guest code runs on the runtime thread through
:class:`~gui.runtime.PluginRuntime`.

Load order (as Pumpkin): compile -> link -> instantiate -> init-plugin ->
get-metadata -> on-load(context). If on-load returns an error, on-unload is
called and the plugin is marked failed. A trap anywhere is classified,
recorded, published to subscribers, and handled by the fault policy.
"""


from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from gui.hostapi.scope import LoopPoster
from gui.paths import AppPaths, remove_data
from gui.plugins.bus import EventBus
from gui.plugins.dispatch import DispatchPart
from gui.plugins.faults import FaultPolicy
from gui.plugins.gate import Admission, GrantNothing, LoadGate, PluginError
from gui.plugins.lifecycle import IllegalTransition, PluginState
from gui.plugins.loading import _CONTEXT, LoadingPart
from gui.plugins.notices import Notice, PluginStateChanged
from gui.plugins.recovery import FaultsPart
from gui.plugins.registry import Plugin
from gui.plugins.staging import UpdatesPart
from gui.runtime import GuestCallFailed, Limits, PluginRuntime
from gui.runtime.memory import linear_memories
from gui.server.instance import ServerInstance

__all__ = ["Admission", "GrantNothing", "LoadGate", "PluginError", "PluginManager"]

log = logging.getLogger(__name__)

S = PluginState


class PluginManager(LoadingPart, UpdatesPart, FaultsPart, DispatchPart):
    """Loads plugins from the plugins dir into the runtime and keeps them running.

    Assembled from four parts, one module each: loading (gui/plugins/loading.py),
    updates (staging.py), faults (recovery.py) and dispatch (dispatch.py); this
    module keeps the registry, notices, unloading and the admin actions.
    """

    def __init__(
        self,
        server: ServerInstance,
        runtime: PluginRuntime,
        paths: AppPaths,
        *,
        limits: Limits | None = None,
        policy: FaultPolicy | None = None,
        gate: LoadGate | None = None,
    ) -> None:
        self.server = server
        self.runtime = runtime
        self.paths = paths
        self.limits = limits or Limits()
        self.policy = policy or FaultPolicy()
        self.gate: LoadGate = gate or GrantNothing()
        self.bus = EventBus()
        self.plugins: dict[str, Plugin] = {}
        self._subscribers: list[Callable[[Notice], None]] = []
        self._restarts: dict[str, asyncio.TimerHandle] = {}
        self._poster: LoopPoster | None = None

    # -- notices ------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Notice], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def publish(self, notice: Notice) -> None:
        """Tell every subscriber (console, window) about ``notice``."""
        for callback in list(self._subscribers):
            try:
                callback(notice)
            except Exception:
                log.exception("plugin notice subscriber failed")

    def _on_state(self, plugin: str, old: PluginState, new: PluginState) -> None:
        self.publish(PluginStateChanged(plugin, old, new))

    # -- unloading and admin actions -----------------------------------------------
    async def unload(self, name: str, *, target: PluginState = S.DISABLED) -> Plugin:
        plugin = self.get(name)
        self._cancel_restart(plugin)
        if plugin.lifecycle.state is S.RUNNING:
            await self._call_unload(plugin)
        self._clear_registrations(plugin)
        await self._discard_instance(plugin)
        if plugin.lifecycle.state is not target and plugin.lifecycle.can(target):
            plugin.lifecycle.move(target)
        return plugin

    async def reload(self, name: str) -> Plugin:
        """on-unload, then a fresh instance with load order from the start."""
        plugin = self.get(name)
        await self.unload(name)
        if plugin.linked is None:
            return await self.load(plugin.path)
        await self._start(plugin)
        return plugin

    async def enable(self, name: str) -> Plugin:
        """Start a disabled, failed or quarantined plugin again (clears its trap count)."""
        plugin = self.get(name)
        if plugin.lifecycle.state is S.RUNNING:
            return plugin
        plugin.trap_times.clear()
        if plugin.linked is None:
            return await self.load(plugin.path)
        await self._start(plugin)
        return plugin

    async def disable(self, name: str) -> Plugin:
        return await self.unload(name, target=S.DISABLED)

    async def remove(self, name: str, *, keep_data: bool = True) -> None:
        plugin = await self.unload(name)
        plugin.lifecycle.move(S.REMOVED)
        del self.plugins[plugin.name]
        await self._release_linked(plugin)
        plugin.log.close()
        await asyncio.to_thread(plugin.path.unlink, True)
        if not keep_data:
            await asyncio.to_thread(remove_data, plugin.scope.data_dir, plugin.scope.store_file)
        self.server.console.info("plugins", f"Removed {plugin.name}")

    async def shutdown(self) -> None:
        """Unload every plugin (on-unload for the running ones); quarantine is kept."""
        for name, plugin in list(self.plugins.items()):
            kept = plugin.lifecycle.state is S.QUARANTINED
            try:
                await self.unload(name, target=S.QUARANTINED if kept else S.DISABLED)
                await self._release_linked(plugin)  # the next start links afresh
            except Exception:
                log.exception("unloading plugin %s failed", name)
        await asyncio.sleep(0)  # let lines posted by the last guest calls land
        for plugin in self.plugins.values():
            plugin.log.close()

    def in_transition(self) -> bool:
        """Whether a plugin is loading, trapped or restarting right now."""
        return any(p.lifecycle.state in (S.LOADING, S.TRAPPED, S.RESTARTING)
                   for p in self.plugins.values())

    def get(self, name: str) -> Plugin:
        plugin = self.plugins.get(name)
        if plugin is None:
            lowered = {k.lower(): p for k, p in self.plugins.items()}
            plugin = lowered.get(name.lower())
        if plugin is None:
            known = ", ".join(sorted(self.plugins)) or "none"
            raise PluginError(f"no plugin called {name!r} (installed: {known})")
        return plugin

    async def _call_unload(self, plugin: Plugin) -> None:
        if plugin.instance is None or plugin.instance.dead:
            return
        try:
            error = await self.runtime.call(plugin.instance, "on-unload", _CONTEXT,
                                            deadline=self.limits.load_deadline)
            if error is not None:
                self._plugin_log(plugin, "warn", f"on-unload returned an error: {error}")
        except GuestCallFailed as failed:
            self._plugin_log(plugin, "error", f"on-unload trapped: {failed.fault.summary()}")

    def _clear_registrations(self, plugin: Plugin) -> None:
        self.bus.remove_plugin(plugin.name)
        self.server.dispatcher.unregister_owner(plugin.name)
        self.server.scheduler.cancel_owner(plugin.name)
        plugin.scope.events.clear()
        plugin.scope.commands.clear()
        plugin.scope.tasks.clear()
        plugin.scope.permission_nodes.clear()

    async def _release_linked(self, plugin: Plugin) -> None:
        """Let go of the old version's linker and component (see PluginRuntime.release)."""
        linked, plugin.linked, plugin.compiled = plugin.linked, None, None
        if linked is not None:
            await self.runtime.release(linked)

    async def _discard_instance(self, plugin: Plugin) -> None:
        """Close the instance and release every host object it still held."""
        instance, plugin.instance = plugin.instance, None
        if instance is None:
            return
        table = plugin.linked.table if plugin.linked is not None else None

        def close() -> None:
            instance.close()
            if table is not None:
                table.clear()

        await self.runtime.run(close)

    def _plugin_log(self, plugin: Plugin, level: str, message: str) -> None:
        """Write to the plugin's log and the console, on the server loop.

        Plugin output arrives on the runtime thread (WASI stdout, logging.log);
        it is handed to the loop so subscribers (console, window) see every
        line on one thread, in order.
        """
        loop = plugin.scope.loop
        if _running_loop() is loop:
            plugin.log.write(level, message)
            self.server.console.write(level, plugin.name, message)
        else:
            plugin.scope.post(self._plugin_log, plugin, level, message)

    # -- PluginHost (server commands) --------------------------------------------------
    async def sample_memory(self) -> None:
        """Refresh each plugin's :attr:`Plugin.memory_bytes` (one memory-map read, in a thread)."""
        memories = await asyncio.to_thread(linear_memories)
        for plugin in list(self.plugins.values()):
            instance = plugin.instance
            plugin.memory_bytes = (instance.memory_bytes(memories)
                                   if instance is not None and plugin.is_live() else None)

    def plugin_summaries(self) -> list[tuple[str, str, str]]:
        return [
            (p.name, p.metadata.version if p.metadata else "?", str(p.lifecycle.state))
            for p in sorted(self.plugins.values(), key=lambda p: p.name.lower())
        ]

    async def reload_plugin(self, name: str) -> str:
        try:
            plugin = await self.reload(name)
        except (PluginError, IllegalTransition) as exc:
            return str(exc)
        return f"{plugin.name} is {plugin.lifecycle.state}"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

