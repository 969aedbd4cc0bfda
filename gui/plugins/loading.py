"""Loading plugins: compile, link, instantiate, init-plugin, get-metadata, gate, on-load.

The loading part of :class:`~gui.plugins.manager.PluginManager` (a mixin: the
manager is assembled from loading, updates, faults and dispatch, one module
each). Compiles run in parallel in the compile pool; loads then run in order,
and one broken plugin never stops the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from gui.hostapi import HostApi
from gui.hostapi.scope import LoopPoster, PluginScope
from gui.paths import unsafe_name_reason
from gui.plugins.dispatch import PluginCallsOf
from gui.plugins.files import PluginFileError, copy_plugin_file, read_plugin_file_async
from gui.plugins.gate import PluginError
from gui.plugins.inspect import InspectError, inspect_file
from gui.plugins.lifecycle import PluginState
from gui.plugins.logs import PluginLog
from gui.plugins.metadata import PluginMetadata
from gui.plugins.registry import Plugin
from gui.runtime import GuestCallFailed, InstanceDead, NotAPumpkinPlugin, PluginInstance, Sandbox
from gui.runtime.compile_worker import CompileWorkerFailed
from gui.runtime.memory import release_free_memory

S = PluginState


class LoadingPart:
    """Discovering, adding and starting plugins (part of PluginManager)."""

    async def load_all(self, *, skip: Collection[str] = ()) -> list[Plugin]:
        """Load every .wasm in the plugins dir; one broken plugin never stops the rest.

        Compiles run in parallel (the compile pool); loads then run in order.

        Args:
            skip: Names of known plugins to leave as they are (disabled or
                quarantined before a server restart).
        """
        self.paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        kept = {self.plugins[name].path for name in skip if name in self.plugins}
        files = await asyncio.to_thread(
            lambda: [p for p in sorted(self.paths.plugins_dir.glob("*.wasm")) if p not in kept])
        progress = _CompileCounter(self, len(files))
        compiled = await asyncio.gather(
            *(progress.track(path, self._read_and_compile(path)) for path in files),
            return_exceptions=True,
        )
        loaded = []
        for path, result in zip(files, compiled, strict=True):
            plugin = await self._load_file(path, result)
            loaded.append(plugin)
        del compiled  # what failed to load goes now, not with the next start
        await self._restore_staged()
        await asyncio.to_thread(release_free_memory)  # the burst's freed heap, back
        return loaded

    async def _read_and_compile(self, path: Path) -> Any:
        self.server.console.info("plugins", f"Compiling {path.name} ...")
        wasm = await read_plugin_file_async(path)
        if not wasm.startswith(b"\0asm"):  # never parsed as WAT text: that costs gigabytes
            raise ValueError("not a WebAssembly binary (no \\0asm header)")
        return await self.runtime.compile(wasm, path.name)

    async def load(self, path: Path) -> Plugin:
        """Load one .wasm that is already in the plugins dir."""
        try:
            result: Any = await self._read_and_compile(path)
        except Exception as exc:
            result = exc
        return await self._load_file(path, result)

    async def add(self, source: Path) -> Plugin:
        """Copy a .wasm into the plugins dir (atomically) under its own name and load it.

        The plugin is named by its metadata, as every install names it, and
        that name passes the one name rule (:func:`gui.paths.unsafe_name_reason`)
        before anything is copied. This is the manager's own step, without
        review or lockfile: installs by the admin go through
        :class:`gui.market.installer.Installer`, which ends here.

        Raises:
            PluginError: no such file, not a plugin, or an unusable name.
        """
        source = Path(source)
        if not source.is_file():
            raise PluginError(f"{source}: no such file")
        try:
            found = await inspect_file(self.runtime, source)
        except InspectError as exc:
            raise PluginError(f"{source.name}: {exc}") from exc
        if reason := unsafe_name_reason(found.metadata.name):
            raise PluginError(f"{source.name}: {reason}; refusing to install it")
        target = self.paths.plugin_file(found.metadata.name)
        try:
            await asyncio.to_thread(copy_plugin_file, source, target)
        except PluginFileError as exc:
            raise PluginError(str(exc)) from exc
        return await self.load(target)

    async def _load_file(self, path: Path, compiled: Any) -> Plugin:
        key = path.stem
        plugin = self._find_by_path(path) or self._new_plugin(key, path)
        if isinstance(compiled, PluginFileError):
            return self._refuse(plugin, f"{compiled}; skipped")
        if isinstance(compiled, CompileWorkerFailed):  # not the file's fault: say so
            return self._refuse(plugin, str(compiled))
        if isinstance(compiled, Exception):
            return self._refuse(plugin, f"{path.name} is not a valid WebAssembly component: "
                                        f"{_first_line(compiled)}")
        plugin.compiled = compiled
        plugin.sha256 = compiled.sha256
        try:
            plugin.linked = await self.runtime.link(plugin.name, compiled, plugin.bindings)
        except NotAPumpkinPlugin as exc:
            return self._refuse(plugin, f"{path.name} is not a Pumpkin plugin: {exc}")
        await self._start(plugin)
        return plugin

    def _new_plugin(self, key: str, path: Path) -> Plugin:
        plugin = Plugin(name=key, path=path)
        plugin.lifecycle.subscribe(self._on_state)
        plugin.log = PluginLog(key, self.paths.plugin_log_file(key))
        plugin.scope = PluginScope(
            plugin=key,
            server=self.server,
            loop=asyncio.get_running_loop(),
            data_dir=self.paths.plugin_data_dir(key),
            calls=PluginCallsOf(self, plugin),
            log=lambda level, message: self._plugin_log(plugin, level, message),
            poster=self._loop_poster(),
            store_file=self.paths.plugin_store_file(key),
        )
        plugin.bindings = lambda table: HostApi(plugin.scope, table)
        self.plugins[key] = plugin
        return plugin

    def _loop_poster(self) -> LoopPoster:
        loop = asyncio.get_running_loop()
        if self._poster is None or self._poster._loop is not loop:
            self._poster = LoopPoster(loop)
        return self._poster

    def _find_by_path(self, path: Path) -> Plugin | None:
        return next((p for p in self.plugins.values() if p.path == path), None)

    def _refuse(self, plugin: Plugin, reason: str) -> Plugin:
        plugin.error = reason
        self._plugin_log(plugin, "error", reason)
        if plugin.lifecycle.state is not S.FAILED:
            plugin.lifecycle.move(S.FAILED)
        return plugin

    async def _start(self, plugin: Plugin, *, restarting: bool = False) -> None:
        """instantiate -> init-plugin -> get-metadata -> gate -> on-load.

        Metadata is read in an instance with no capabilities. When the gate
        grants capabilities that live in the WASI sandbox (files, env), a
        fresh instance with that sandbox runs init-plugin and on-load.
        """
        if not restarting:
            plugin.lifecycle.move(S.LOADING)
        deadline = self.limits.load_deadline
        instance: PluginInstance | None = None
        try:
            instance = await self._instantiate(plugin, Sandbox())
            if instance is None:
                return
            await self.runtime.call(instance, "init-plugin", deadline=deadline)
            raw = await self.runtime.call(instance, "get-metadata", deadline=deadline)
            self._adopt_metadata(plugin, PluginMetadata.from_wit(raw))
            if plugin.instance is not instance:
                return  # unloaded meanwhile
            admission = await self.gate.admit(plugin)
            if admission.hold is not None:
                await self._discard_instance(plugin)
                plugin.error = admission.reason or None
                self.server.console.warn("plugins", f"{plugin.name} is not running: "
                                                    f"{admission.reason or admission.hold}")
                plugin.lifecycle.move(admission.hold)
                return
            plugin.scope.granted = admission.granted
            plugin.scope.storage_quota = self.limits.storage_bytes  # the limits in force now
            if admission.sandbox != Sandbox():
                await self._discard_instance(plugin)
                instance = await self._instantiate(plugin, admission.sandbox)
                if instance is None:
                    return
                await self.runtime.call(instance, "init-plugin", deadline=deadline)
            error = await self.runtime.call(instance, "on-load", _CONTEXT, deadline=deadline)
        except GuestCallFailed as failed:
            if plugin.instance is instance:  # not unloaded meanwhile
                await self._fault(plugin, failed)
            return
        except InstanceDead:
            return  # unloaded (disabled, removed, shut down) while loading
        if plugin.instance is not instance:
            return  # unloaded while on-load ran; unload already cleaned up
        if error is not None:
            plugin.error = f"on-load failed: {error}"
            self._plugin_log(plugin, "error", plugin.error)
            await self._call_unload(plugin)
            self._clear_registrations(plugin)
            plugin.lifecycle.move(S.FAILED)
            return
        plugin.error = None
        plugin.loaded_at = time.time()
        await self._prepare_handlers(plugin)
        plugin.lifecycle.move(S.RUNNING)
        md = plugin.metadata
        self.server.console.info(
            "plugins", f"Loaded {md.name} {md.version} ({plugin.compiled_note()})"
        )

    async def _prepare_handlers(self, plugin: Plugin) -> None:
        """Prepare the handler exports now, as part of loading.

        Preparing ``handle-event`` freezes Pumpkin's whole ``event`` type
        (~0.2 s); done lazily it would land in the first event's time.
        """
        linked = plugin.linked
        if linked is None:
            return
        wanted = [name for name in ("handle-event", "handle-command", "handle-task")
                  if name in linked.exports]
        await self.runtime.run(lambda: [linked.exports.signature(name) for name in wanted])

    async def _instantiate(self, plugin: Plugin, sandbox: Sandbox) -> PluginInstance | None:
        assert plugin.linked is not None
        try:
            instance = await self.runtime.instantiate(
                plugin.linked, limits=self.limits, sandbox=sandbox,
                stdout=lambda line: self._plugin_log(plugin, "info", line),
                stderr=lambda line: self._plugin_log(plugin, "warn", line),
            )
        except Exception as exc:  # instantiation refused (e.g. memory limit too small)
            self._refuse(plugin, f"could not instantiate {plugin.path.name}: {_first_line(exc)}")
            return None
        plugin.instance = instance
        return instance

    def _adopt_metadata(self, plugin: Plugin, metadata: PluginMetadata) -> None:
        plugin.metadata = metadata
        name = metadata.name
        if name == plugin.name:
            return
        if reason := unsafe_name_reason(name):
            self._plugin_log(plugin, "warn", f"{reason}; keeping {plugin.name!r}")
            return
        if name in self.plugins and self.plugins[name] is not plugin:
            self._plugin_log(plugin, "warn", f"another plugin is already called {name!r}; "
                                             f"keeping {plugin.name!r}")
            return
        del self.plugins[plugin.name]
        plugin.rename(name)
        self.plugins[name] = plugin


class _CompileCounter:
    """Reports startup compiles on the console as they finish (``[2/7] x.wasm compiled``)."""

    def __init__(self, manager: Any, total: int) -> None:
        self._manager = manager
        self.total = total
        self.done = 0

    async def track(self, path: Path, work: Any) -> Any:
        try:
            result = await work
        except Exception:
            self._finished(path, None)
            raise
        self._finished(path, result)
        return result

    def _finished(self, path: Path, result: Any) -> None:
        self.done += 1
        seconds = getattr(result, "seconds", 0.0)
        cached = bool(getattr(result, "from_cache", False))
        how = "failed" if result is None else (
            f"loaded from cache in {seconds:.2f} s" if cached else f"compiled in {seconds:.1f} s")
        self._manager.server.console.info(
            "plugins", f"[{self.done}/{self.total}] {path.name} {how}")


class _ContextToken:
    """The single ``context`` resource each plugin receives in on-load/on-unload."""


_CONTEXT = _ContextToken()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
