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
import re
import shutil
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gui.hostapi import HostApi
from gui.hostapi.event import apply_wit, to_wit
from gui.hostapi.scope import EventRegistration, LoopPoster, PluginScope
from gui.paths import AppPaths
from gui.plugins.bus import EventBus
from gui.plugins.faults import FaultPolicy, FaultRecord
from gui.plugins.files import (
    PluginFileError,
    copy_plugin_file,
    read_plugin_file_async,
    sha256_plugin_file,
)
from gui.plugins.inspect import InspectError, inspect_file
from gui.plugins.lifecycle import IllegalTransition, PluginState
from gui.plugins.logs import PluginLog
from gui.plugins.notices import (
    CompileProgress,
    Notice,
    PluginFaulted,
    PluginStateChanged,
    PluginUpdateHeld,
)
from gui.plugins.registry import Plugin, PluginMetadata
from gui.plugins.updates import STAGED_DIR, PendingUpdate, UpdateOutcome, UpdateResult
from gui.runtime import (
    GuestCallFailed,
    InstanceDead,
    Limits,
    NotAPumpkinPlugin,
    PluginInstance,
    PluginRuntime,
    Sandbox,
)
from gui.runtime.compile_worker import CompileWorkerFailed
from gui.runtime.memory import linear_memories, release_free_memory
from gui.server.events import ServerEvent
from gui.server.text import TextComponent

log = logging.getLogger(__name__)

S = PluginState
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class PluginError(Exception):
    """A plugin could not be added, loaded or found; the message says which and why."""


@dataclass(frozen=True)
class Admission:
    """A gate's answer for one plugin about to run on-load.

    ``hold`` is None to go ahead with ``granted``; otherwise the state the
    plugin waits in (needs review, declined) and why.
    """

    granted: frozenset[str] = frozenset()
    sandbox: Sandbox = field(default_factory=Sandbox)
    hold: PluginState | None = None
    reason: str = ""


class LoadGate(Protocol):
    """Decides, after get-metadata and before on-load, what a plugin may do.

    The permissions package implements it (grants, policy, review); without
    one every plugin runs with nothing granted. A gate may also offer
    ``update_needs_review(plugin, requested) -> bool`` (whether a new version
    requesting ``requested`` must wait for review; default: it requests
    something the running version does not) and ``approve(plugin, sha256,
    requested, granted)`` (records grants given for a staged update).
    """

    async def admit(self, plugin: Plugin) -> Admission: ...


class GrantNothing:
    """The default gate: run every plugin, grant no capability."""

    async def admit(self, plugin: Plugin) -> Admission:
        return Admission()


class PluginManager:
    """Loads plugins from the plugins dir into the runtime and keeps them running."""

    def __init__(
        self,
        server: Any,
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
        server.events.sink = self
        server.plugin_host = self

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

    # -- discovery and loading ------------------------------------------------------
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
        """Copy a .wasm into the plugins dir (atomically) and load it."""
        source = Path(source)
        if not source.is_file():
            raise PluginError(f"{source}: no such file")
        target = self.paths.plugins_dir / source.name
        if not SAFE_NAME.match(source.stem):
            raise PluginError(f"{source.name}: a plugin file name may only use letters, "
                              "digits, '.', '_' and '-'")
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
        plugin.log = PluginLog(key, self.paths.plugin_logs_dir / f"{key}.log")
        plugin.scope = PluginScope(
            plugin=key,
            server=self.server,
            loop=asyncio.get_running_loop(),
            data_dir=self.paths.plugin_data_root / key,
            calls=_Calls(self, plugin),
            log=lambda level, message: self._plugin_log(plugin, level, message),
            poster=self._loop_poster(),
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
        if not SAFE_NAME.match(name):
            self._plugin_log(plugin, "warn", f"metadata name {name!r} is not usable as a "
                                             f"plugin id; keeping {plugin.name!r}")
            return
        if name in self.plugins and self.plugins[name] is not plugin:
            self._plugin_log(plugin, "warn", f"another plugin is already called {name!r}; "
                                             f"keeping {plugin.name!r}")
            return
        del self.plugins[plugin.name]
        plugin.rename(name)
        self.plugins[name] = plugin

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
            await asyncio.to_thread(shutil.rmtree, plugin.scope.data_dir, True)
        self.server.console.info("plugins", f"Removed {plugin.name}")

    # -- updates ---------------------------------------------------------------------
    def staged_path(self, name: str) -> Path:
        """Where an update of ``name`` waits for review."""
        return self.paths.plugins_dir / STAGED_DIR / f"{name}.wasm"

    async def stage_update(self, name: str, new_wasm: Path) -> UpdateResult:
        """Install a new .wasm of plugin ``name``, or hold it for review.

        The file is inspected first (metadata only, no on-load). If the plugin
        is running and the new version asks for more permissions, it is kept in
        ``<plugins_dir>/.staged/<name>.wasm`` as ``plugin.pending_update``, a
        :class:`PluginUpdateHeld` notice is published, and the old version keeps
        running. Otherwise the old version gets on-unload, the file is replaced
        atomically and the new version loads (its grants are inherited when it
        requests nothing new).

        Raises:
            PluginError: no such plugin, the file is not a plugin, or it is a
                different plugin (its metadata names another one).
        """
        plugin = self.get(name)
        new_wasm = Path(new_wasm)
        try:
            found = await inspect_file(self.runtime, new_wasm)
        except InspectError as exc:
            raise PluginError(f"update of {plugin.name} refused: {exc}") from exc
        if found.metadata.name != plugin.name:
            raise PluginError(f"{new_wasm.name} is the plugin {found.metadata.name!r}, not an "
                              f"update of {plugin.name!r}; add it as a plugin of its own")
        if found.sha256 == plugin.sha256 and plugin.pending_update is None:
            return UpdateResult(plugin.name, UpdateOutcome.UNCHANGED, plugin.state, None,
                                f"{plugin.name}: this version is already installed")
        old = set(plugin.metadata.permissions) if plugin.metadata else set()
        new = set(found.metadata.permissions)
        added, removed = tuple(sorted(new - old)), tuple(sorted(old - new))
        if plugin.is_live() and self._update_needs_review(plugin, found.metadata, added):
            staged = self.staged_path(plugin.name)
            staged.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(_atomic_copy, new_wasm, staged)
            pending = PendingUpdate(plugin.name, staged, found.sha256, found.metadata,
                                    added, removed)
            self._hold_update(plugin, pending)
            return UpdateResult(plugin.name, UpdateOutcome.HELD, plugin.state, pending,
                                f"{plugin.name} {found.metadata.version} waits for review "
                                f"(asks for {', '.join(added)}); "
                                f"{plugin.metadata.version if plugin.metadata else 'the old'} "
                                "keeps running")
        await self._swap_in(plugin, new_wasm)
        return UpdateResult(plugin.name, UpdateOutcome.APPLIED, plugin.state, None,
                            f"{plugin.name} updated to {found.metadata.version}: "
                            f"{plugin.state}")

    async def apply_staged_update(self, name: str,
                                  granted: Iterable[str] | None = None) -> UpdateResult:
        """Replace plugin ``name`` with its reviewed staged update and load it.

        Args:
            name: The plugin.
            granted: The permissions the admin granted the new version; recorded
                through the gate (None: the decision was recorded already).

        Raises:
            PluginError: no update is waiting, or grants were given but the gate
                cannot record them.
        """
        plugin = self.get(name)
        pending = plugin.pending_update
        if pending is None:
            raise PluginError(f"{plugin.name} has no update waiting for review")
        if granted is not None:
            approve = getattr(self.gate, "approve", None)
            if approve is None:
                raise PluginError(f"cannot record grants for {plugin.name}: this server has "
                                  "no permission gate")
            approve(plugin.name, pending.sha256, pending.metadata.permissions, granted)
        await self._swap_in(plugin, pending.staged_path)
        return UpdateResult(plugin.name, UpdateOutcome.APPLIED, plugin.state, None,
                            f"{plugin.name} updated to {pending.metadata.version}: "
                            f"{plugin.state}")

    async def discard_staged_update(self, name: str) -> None:
        """Drop plugin ``name``'s held update; the running version stays."""
        plugin = self.get(name)
        pending, plugin.pending_update = plugin.pending_update, None
        if pending is not None:
            await asyncio.to_thread(pending.staged_path.unlink, True)
            self.server.console.info("plugins", f"Discarded the update of {plugin.name} to "
                                                f"{pending.metadata.version}")

    def _update_needs_review(self, plugin: Plugin, metadata: PluginMetadata,
                             added: tuple[str, ...]) -> bool:
        ask = getattr(self.gate, "update_needs_review", None)
        if ask is None:
            return bool(added)
        return bool(ask(plugin.name, metadata.permissions))

    def _hold_update(self, plugin: Plugin, pending: PendingUpdate) -> None:
        plugin.pending_update = pending
        self.server.console.warn(
            "plugins", f"{plugin.name} {pending.metadata.version} asks for more permissions "
                       f"({', '.join(pending.added) or 'none'}) and waits for review; the "
                       "running version keeps serving. Review it in the Plugins window or "
                       f"run 'pumpkin-patch plugin approve {plugin.name}'")
        self.publish(PluginUpdateHeld(plugin.name, pending.metadata.version, pending.added,
                                       pending.removed))

    async def _swap_in(self, plugin: Plugin, new_wasm: Path) -> None:
        """on-unload the old version, replace its file atomically, load the new one."""
        await self.unload(plugin.name)
        await asyncio.to_thread(_atomic_copy, new_wasm, plugin.path)
        pending, plugin.pending_update = plugin.pending_update, None
        if pending is not None and pending.staged_path != new_wasm:
            await asyncio.to_thread(pending.staged_path.unlink, True)
        if new_wasm.parent == self.paths.plugins_dir / STAGED_DIR:
            await asyncio.to_thread(new_wasm.unlink, True)
        await self._release_linked(plugin)
        await self.load(plugin.path)

    async def _restore_staged(self) -> None:
        """After a restart: updates still waiting in .staged/ become pending again."""
        folder = self.paths.plugins_dir / STAGED_DIR
        for staged in sorted(folder.glob("*.wasm")) if folder.is_dir() else []:
            plugin = self.plugins.get(staged.stem)
            if plugin is None:
                self.server.console.warn("plugins", f"{staged} is an update of no installed "
                                                    "plugin; delete it or add it as a plugin")
                continue
            try:
                found = await inspect_file(self.runtime, staged)
            except InspectError as exc:
                self.server.console.warn("plugins", f"staged update {staged} is unusable "
                                                    f"({exc}); delete it")
                continue
            old = set(plugin.metadata.permissions) if plugin.metadata else set()
            new = set(found.metadata.permissions)
            self._hold_update(plugin, PendingUpdate(
                plugin.name, staged, found.sha256, found.metadata,
                tuple(sorted(new - old)), tuple(sorted(old - new))))

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

    # -- faults ----------------------------------------------------------------------
    async def _fault(self, plugin: Plugin, failed: GuestCallFailed) -> None:
        """A call trapped: record, publish, clean up, then restart or quarantine."""
        record = FaultRecord(plugin.name, failed.export, failed.fault)
        plugin.faults.append(record)
        plugin.trap_times.append(time.monotonic())
        plugin.metrics.traps += 1
        self._plugin_log(plugin, "error", record.describe())
        for frame in failed.fault.frames[:8]:
            self._plugin_log(plugin, "debug", f"  at {frame}")
        self._clear_registrations(plugin)
        await self._discard_instance(plugin)
        if plugin.lifecycle.state is not S.TRAPPED:
            plugin.lifecycle.move(S.TRAPPED)
        decision = self.policy.decide(plugin.trap_times, time.monotonic())
        self.publish(PluginFaulted(record, decision.quarantine, decision.restart_after))
        if decision.quarantine:
            plugin.lifecycle.move(S.QUARANTINED)
            self.server.console.error(
                "plugins", f"{plugin.name} quarantined after {decision.traps_in_window} traps "
                           f"within {self.policy.window / 60:.0f} minutes; "
                           f"run 'plugin enable {plugin.name}' once it is fixed")
            return
        self.server.console.warn(
            "plugins", f"{plugin.name} will restart in {decision.restart_after:g} s "
                       f"(trap {decision.traps_in_window} of {self.policy.max_traps} allowed "
                       f"within {self.policy.window / 60:g} minutes)")
        loop = asyncio.get_running_loop()
        self._restarts[plugin.name] = loop.call_later(
            decision.restart_after, lambda: loop.create_task(self._restart(plugin)))

    async def _restart(self, plugin: Plugin) -> None:
        self._restarts.pop(plugin.name, None)
        if plugin.lifecycle.state is not S.TRAPPED:
            return  # disabled or removed meanwhile
        plugin.lifecycle.move(S.RESTARTING)
        await self._start(plugin, restarting=True)

    def _cancel_restart(self, plugin: Plugin) -> None:
        handle = self._restarts.pop(plugin.name, None)
        if handle is not None:
            handle.cancel()

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

    # -- calls from the server ---------------------------------------------------------
    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        """EventSink: run every handler of every event in one hop to the runtime thread."""
        work = []
        for event in events:
            handlers = [
                (reg, self.plugins.get(reg.plugin)) for reg in self.bus.handlers(event.event_type)
            ]
            handlers = [(reg, p) for reg, p in handlers if p is not None and p.is_live()]
            if handlers:
                work.append((event, handlers))
        if not work:
            return events
        deadline = self.limits.call_deadline
        failures = await self.runtime.run(_run_handlers, work, self.server, deadline,
                                          self._plugin_log)
        for plugin, failed in failures:
            await self._fault(plugin, failed)
        return events

    async def run_command(self, plugin: Plugin, handler_id: int, sender: Any, args: Any) -> int:
        instance = plugin.instance
        if instance is None or not plugin.is_live():
            sender.send_message(TextComponent.of(f"{plugin.name} is not running "
                                                 f"({plugin.lifecycle.state})", "red"))
            return 0
        started = time.perf_counter()
        try:
            result = await self.runtime.call(instance, "handle-command", handler_id, sender,
                                             self.server, args)
        except GuestCallFailed as failed:
            sender.send_message(TextComponent.of(
                f"{plugin.name} failed running this command ({failed.fault.kind}): "
                f"{failed.fault.message}", "red"))
            await self._fault(plugin, failed)
            return 0
        except InstanceDead:
            return 0
        finally:
            plugin.metrics.record(time.perf_counter() - started)
        return _command_result(plugin, result, sender)

    async def run_task(self, plugin: Plugin, handler_id: int) -> None:
        instance = plugin.instance
        if instance is None or not plugin.is_live():
            return
        started = time.perf_counter()
        try:
            await self.runtime.call(instance, "handle-task", handler_id, self.server)
        except GuestCallFailed as failed:
            await self._fault(plugin, failed)
        except InstanceDead:
            pass
        finally:
            plugin.metrics.record(time.perf_counter() - started)

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


class _CompileCounter:
    """Reports startup compiles as they finish (console and CompileProgress notices)."""

    def __init__(self, manager: PluginManager, total: int) -> None:
        self._manager = manager
        self.total = total
        self.done = 0
        if total:
            manager.publish(CompileProgress(0, total))

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
        self._manager.publish(CompileProgress(self.done, self.total, path.name, seconds, cached))


class _Calls:
    """The manager as one plugin's host functions see it (PluginCalls)."""

    def __init__(self, manager: PluginManager, plugin: Plugin) -> None:
        self._manager = manager
        self._plugin = plugin

    def on_event_registered(self, registration: EventRegistration) -> None:
        # Runs on the runtime thread during on-load; the bus belongs to the loop.
        # call_soon_threadsafe keeps order, so the registration is in place
        # before the loop sees on-load finish.
        self._plugin.scope.post(self._manager.bus.add, registration)

    async def run_command(self, handler_id: int, sender: Any, args: Any) -> int:
        return await self._manager.run_command(self._plugin, handler_id, sender, args)

    async def run_task(self, handler_id: int) -> None:
        await self._manager.run_task(self._plugin, handler_id)


class _ContextToken:
    """The single ``context`` resource each plugin receives in on-load/on-unload."""


_CONTEXT = _ContextToken()


def _run_handlers(
    work: list[tuple[ServerEvent, list[tuple[EventRegistration, Plugin]]]],
    server: Any,
    deadline: float,
    log: Callable[[Plugin, str, str], None],
) -> list[tuple[Plugin, GuestCallFailed]]:
    """Runtime thread: run the handler chain of each event; collect faults."""
    failures: list[tuple[Plugin, GuestCallFailed]] = []
    dead: set[str] = set()
    for event, handlers in work:
        for registration, plugin in handlers:
            instance: PluginInstance | None = plugin.instance
            if instance is None or instance.dead or plugin.name in dead:
                continue
            started = time.perf_counter()
            try:
                returned = instance.call("handle-event", registration.handler_id, server,
                                         to_wit(event), deadline=deadline)
            except GuestCallFailed as failed:
                failures.append((plugin, failed))
                dead.add(plugin.name)
                continue  # the event goes on as if this handler had not run
            finally:
                plugin.metrics.record(time.perf_counter() - started)
            if registration.blocking:
                try:
                    apply_wit(event, returned)
                except ValueError as exc:
                    log(plugin, "warn", f"ignored the event it returned: {exc}")
    return failures


def _command_result(plugin: Plugin, result: Any, sender: Any) -> int:
    """handle-command returns result<s32, command-error>; show errors to the sender."""
    if isinstance(result, int):
        return result
    tag = getattr(result, "tag", "command-failed")
    payload = getattr(result, "payload", None)
    if tag == "command-failed" and isinstance(payload, TextComponent):
        sender.send_message(payload.copy() if payload.color else TextComponent.of(
            payload.plain(), "red"))
    elif tag == "invalid-consumption":
        sender.send_message(TextComponent.of(f"Invalid arguments: {payload or ''}".strip(),
                                             "red"))
    elif tag == "permission-denied":
        sender.send_message(TextComponent.of("You do not have permission to do that.", "red"))
    else:
        sender.send_message(TextComponent.of(f"{plugin.name}: command refused ({tag})", "red"))
    return 0


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` over ``target`` so readers see the old file or the new one."""
    copy_plugin_file(source, target)


def sha256_file(path: Path) -> str:
    """sha256 hex of a plugin file (read with the checks of gui/plugins/files.py)."""
    return sha256_plugin_file(path)
