"""The Qt-free core, assembled: local server + plugin runtime + plugin manager.

Both front ends use it: ``pumpkin-patch --headless`` drives it from
stdin/stdout, and the window (gui/app.py) from Qt. Startup order:

0. the profile lock (gui/profile_lock.py) is taken, or the start is refused
   naming the server that holds it; it is held until :meth:`ServerCore.stop`;
1. paths exist; the console log is open; settings (config.toml) are read,
   the grants store opened and the permission gate put in front of on-load;
2. the plugin runtime starts (engine, epoch ticker, runtime thread);
3. the server starts (config, ops, tick loop);
4. the marketplace finishes an install a killed process left half-done
   (gui/market/journal.py) and serves the built-in samples source on
   127.0.0.1 (building the samples in the background, unless
   ``$PUMPKIN_PATCH_BUILD_SAMPLES`` is "0");
5. plugins load (compiled in parallel, loaded one by one; a broken one is
   recorded and skipped).

Shutdown runs the other way: plugins get on-unload while the server still
runs, then the server stops, then the runtime thread is joined.

Between the two, the admin may stop and start the server alone
(:meth:`ServerCore.stop_server`, :meth:`ServerCore.start_server`): the
runtime and the marketplace stay up, plugins unload and load again, and the
plugins the admin had disabled, or that were quarantined, stay that way.

While plugins run, a change to config.toml (the Settings page, ``pumpkin-patch
plugin hosts``, an editor) is applied within a second
(:meth:`ServerCore.apply_settings`): the permission policy and limits of
every next load, and a reload of each plugin whose grants or sandbox change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from gui.market import Marketplace
from gui.ops.commands import register_ops_commands
from gui.ops.service import Operations
from gui.paths import AppPaths, file_stamp
from gui.permissions import (
    GrantStore,
    PermissionGate,
    PermissionPolicy,
    PermissionService,
)
from gui.plugins import PluginManager, PluginState, PluginUpdateAvailable
from gui.plugins.files import set_max_plugin_bytes
from gui.plugins.memory_watch import MemoryWatch
from gui.profile_lock import ProfileLock, lock_path
from gui.runtime import Limits, PluginRuntime
from gui.runtime.instance import MIB
from gui.runtime.memory import process_memory
from gui.server.console import ConsoleLog
from gui.server.local_server import LocalServer
from gui.server.state import ServerState
from gui.settings import AppSettings, PluginSettings

log = logging.getLogger(__name__)

# "0" keeps the app from building the sample plugins (tests, CI); they are then
# served only if an earlier run (or 'market build-samples') built them.
BUILD_SAMPLES_ENV = "PUMPKIN_PATCH_BUILD_SAMPLES"

# How often each plugin's memory is read (gui/runtime/memory.py), seconds.
MEMORY_SAMPLE_S = 2.0
# How often the sources of installed plugins are asked for updates, seconds.
UPDATE_CHECK_S = 30 * 60.0

# Plugins in these states before a server stop stay down after the next start.
KEPT_DOWN = (PluginState.DISABLED, PluginState.QUARANTINED)


class ServerCore:
    """Owns the server, the runtime and the plugin manager of one profile."""

    def __init__(self, paths: AppPaths, *, limits: Limits | None = None,
                 settings: AppSettings | None = None,
                 front_end: str = "a headless server") -> None:
        """Assemble the core of one profile.

        Args:
            paths: The profile's folders.
            limits: Per-plugin limits; default from the settings.
            settings: Default: read from ``paths.config_file`` (problems with it are
                shown on the console when the core starts).
            front_end: Who runs it, as the profile lock names the holder
                ("the window", "a headless server").
        """
        self.paths = paths.ensure()
        self.profile_lock = ProfileLock(lock_path(paths))
        self.front_end = front_end
        self.console = ConsoleLog()
        self._startup_warnings: list[str] = []
        # What config.toml looked like when read (a later change is applied live).
        self._settings_stamp = file_stamp(paths.config_file)
        self.settings = settings or AppSettings.load(paths.config_file,
                                                     warn=self._startup_warnings.append)
        self.server = LocalServer(paths.server_dir, console=self.console)
        self.runtime = PluginRuntime(paths.compile_cache_dir)
        set_max_plugin_bytes(self.settings.plugins.max_file_mb * MIB)
        policy = PermissionPolicy.from_settings(self.settings)
        self.grants = GrantStore(paths.grants_file,
                                 warn=lambda message: self.console.warn("permissions", message))
        self.gate = PermissionGate(self.grants, policy, paths)
        self.plugins = PluginManager(self.server, self.runtime, paths,
                                     limits=limits or limits_from(self.settings.plugins),
                                     gate=self.gate)
        # The server hands its events to the plugins and asks them for `plugins` / `reload`.
        self.server.events.sink = self.plugins
        self.server.plugin_host = self.plugins
        self.permissions = PermissionService(self.grants, policy, self.plugins)
        self.market = Marketplace(paths, self.runtime, grants=self.grants, policy=policy,
                                  settings=self.settings, manager=self.plugins)
        self.build_samples = os.environ.get(BUILD_SAMPLES_ENV, "1") != "0"
        # The app's and each plugin's memory, and who grows (gui/plugins/memory_watch.py).
        self.memory = MemoryWatch(warn=lambda plugin, message: self.console.warn(
            plugin, f"memory: {message}; at the limit it fails and is restarted"))
        self.server.before_stop(self._stop_watching)
        self.server.before_stop(self._remember_kept_down)  # however the stop was asked for
        self.server.before_stop(self.plugins.shutdown, name="unloading plugins",
                                holder=self._plugin_unloading)
        self._watches: list[asyncio.Task[None]] = []
        self._kept_down: set[str] = set()
        self.update_check_interval = UPDATE_CHECK_S
        self._announced: set[tuple[str, str]] = set()  # (plugin, version) told about
        self._closed = False
        # Backups, schedules, crash-loop guard, alerts (gui/ops), after everything they use.
        self.ops = Operations(self)
        register_ops_commands(self.server, self.ops)  # backup, schedule

    async def start(self, *, server: bool = True) -> None:
        """Start everything (see the module docstring).

        Args:
            server: False leaves the server (and plugins) for :meth:`start_server`
                (the window's first run waits for the admin).

        Raises:
            ProfileLocked: another server runs on this profile.
        """
        self.profile_lock.acquire(self.front_end, warn=lambda m: self.console.warn("server", m))
        for message in self._startup_warnings:
            self.console.warn("settings", message)
        self.runtime.start()
        if server:
            await self.server.start()
        await self._start_market()
        if server:
            await self._start_plugins()
        self.ops.start()

    async def stop_server(self) -> None:
        """Stop the server alone: plugins get on-unload; runtime and market stay up."""
        await self.server.stop()

    def _plugin_unloading(self) -> str | None:
        """The plugin a stop waits for: they unload in order, so the first still running."""
        for name, plugin in self.plugins.plugins.items():
            if plugin.lifecycle.state is PluginState.RUNNING:
                return f"plugin {name} (on-unload)"
        return None

    async def _remember_kept_down(self) -> None:
        self._kept_down = {name for name, plugin in self.plugins.plugins.items()
                           if plugin.lifecycle.state in KEPT_DOWN}

    async def start_server(self) -> None:
        """Start the server again after :meth:`stop_server`, and its plugins.

        Raises:
            RuntimeError: The server is not stopped, or the core was closed.
            ProfileLocked: another server runs on this profile (the first start
                was refused, and it still runs).
        """
        if self._closed:
            raise RuntimeError("the core was stopped; start a new one")
        self.profile_lock.acquire(self.front_end, warn=lambda m: self.console.warn("server", m))
        await self.server.start()
        await self._start_plugins()

    async def _start_plugins(self) -> None:
        self.memory.mark_base(await asyncio.to_thread(process_memory))
        await self.plugins.load_all(skip=self._kept_down)
        await self._stop_watching()
        if self.server.state is not ServerState.RUNNING:  # stopped while the plugins loaded
            return
        loop = asyncio.get_running_loop()
        self._watches = [
            # Grants changed by another process (pumpkin-patch plugin grant ...) apply live.
            loop.create_task(self.permissions.watch()),
            loop.create_task(self._watch_settings()),
            loop.create_task(self._watch_memory()),
            loop.create_task(self._watch_updates()),
        ]

    async def apply_settings(self, settings: AppSettings) -> list[str]:
        """Use ``settings`` from now on; returns the plugins reloaded to follow them.

        The policy and limits apply to every next load and install; a running
        plugin reloads at once when its grants or sandbox change (e.g. the hosts
        its http.outbound reaches), see :meth:`PermissionService.use_policy`.
        """
        policy = PermissionPolicy.from_settings(settings)
        self.settings = settings
        self.gate.policy = policy
        self.market.use_settings(settings, policy)
        self.plugins.limits = limits_from(settings.plugins)
        set_max_plugin_bytes(settings.plugins.max_file_mb * MIB)
        return await self.permissions.use_policy(policy)

    async def _watch_settings(self, interval: float = 0.5) -> None:
        """Apply config.toml whenever it changes, until cancelled.

        A change is taken once the file has held still for one poll (an editor
        that truncates, then writes, is not read half-way), while no plugin is
        loading or restarting (they admit under the policy of their start). A
        file that is gone is no change: the running policy stays.
        """
        path = self.paths.config_file
        seen = self._settings_stamp
        while True:
            await asyncio.sleep(interval)
            stamp = await asyncio.to_thread(file_stamp, path)
            settled = stamp == seen
            seen = stamp
            if stamp is None or stamp == self._settings_stamp or not settled \
                    or self.plugins.in_transition():
                continue
            self._settings_stamp = stamp
            problems: list[str] = []
            try:
                settings = await asyncio.to_thread(AppSettings.load, path, warn=problems.append)
                for problem in problems:
                    self.console.warn("settings", problem)
                if settings.plugins == self.settings.plugins:
                    self.settings = settings  # other sections: their owners read them
                    continue
                reloaded = await self.apply_settings(settings)
            except Exception:  # a bad file is reported by load(); this is a bug
                log.exception("applying %s failed", path)
                self.console.error("settings", f"{path} changed, but applying it failed; "
                                               "restart Pumpkin Patch to use it")
            else:
                said = f"; reloaded {', '.join(reloaded)}" if reloaded else ""
                self.console.info("settings", f"Applied the changed {path.name}{said}")

    async def _watch_updates(self) -> None:
        """Ask the sources for updates now and then; announce each new version once."""
        while True:
            try:
                found = await self.market.check_updates()
            except Exception:  # an update check never stops the server
                log.exception("checking for plugin updates failed")
                found = []
            for info in found:
                if (info.name, info.latest) in self._announced:
                    continue
                self._announced.add((info.name, info.latest))
                self.console.info("market", f"Update available: {info.name} {info.installed} "
                                            f"-> {info.latest} from {info.source} (press Update, "
                                            f"or run: pumpkin-patch market update {info.name})")
                self.plugins.publish(PluginUpdateAvailable(info.name, info.installed,
                                                           info.latest, info.source))
            await asyncio.sleep(self.update_check_interval)

    async def _watch_memory(self) -> None:
        while True:
            try:
                await self.plugins.sample_memory()
                app = await asyncio.to_thread(process_memory)
                self.memory.sample(list(self.plugins.plugins.values()), app)
            except Exception:  # a figure on a page is never worth stopping the server
                log.exception("reading plugin memory failed")
            await asyncio.sleep(MEMORY_SAMPLE_S)

    async def _start_market(self) -> None:
        """Recover an interrupted install, serve the samples source; never blocks startup."""
        try:
            if self.market.recover():
                self.console.info("market", "Finished an install that was interrupted")
            await self.market.start_embedded(build=self.build_samples)
        except Exception as exc:  # the server runs without the marketplace
            log.exception("marketplace start failed")
            self.console.error("market", f"the marketplace did not start: {exc}")

    async def _stop_watching(self) -> None:
        tasks, self._watches = self._watches, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait_stopped(self) -> None:
        await self.server.stopped.wait()

    async def stop(self) -> None:
        """Unload plugins, stop the server, join the runtime thread. Idempotent."""
        if self._closed:
            return
        await self.ops.close()  # no scheduled restart or crash restart during the shutdown
        await self.server.stop()  # runs before_stop hooks: plugins get on-unload
        self._closed = True
        await self.market.close()
        await asyncio.to_thread(self.runtime.shutdown)
        self.profile_lock.release()


def limits_from(plugins: PluginSettings) -> Limits:
    """The runtime's per-plugin limits from ``[plugins]`` in config.toml."""
    return Limits(memory_bytes=plugins.max_memory_mb * MIB,
                  load_deadline=plugins.load_deadline_ms / 1000,
                  call_deadline=plugins.call_deadline_ms / 1000,
                  storage_bytes=plugins.storage_quota_kib * 1024)
