"""Updates of installed plugins: applied at once, or held for review while the old one runs.

The updates part of :class:`~gui.plugins.manager.PluginManager` (the value
types it answers with are in :mod:`gui.plugins.updates`). A held update waits
in ``<plugins>/.staged/<name>.wasm`` (:meth:`AppPaths.staged_update`); that
file is the one record that it is held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from gui.plugins.files import copy_plugin_file
from gui.plugins.gate import PluginError
from gui.plugins.inspect import InspectError, inspect_file
from gui.plugins.metadata import PluginMetadata
from gui.plugins.notices import PluginUpdateHeld
from gui.plugins.registry import Plugin
from gui.plugins.updates import PendingUpdate, UpdateOutcome, UpdateResult


class UpdatesPart:
    """Staged and held updates (part of PluginManager)."""

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
            staged = self.paths.staged_update(plugin.name)
            staged.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(copy_plugin_file, new_wasm, staged)
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
        await asyncio.to_thread(copy_plugin_file, new_wasm, plugin.path)
        pending, plugin.pending_update = plugin.pending_update, None
        if pending is not None and pending.staged_path != new_wasm:
            await asyncio.to_thread(pending.staged_path.unlink, True)
        if new_wasm.parent == self.paths.staged_dir:
            await asyncio.to_thread(new_wasm.unlink, True)
        await self._release_linked(plugin)
        await self.load(plugin.path)

    async def _restore_staged(self) -> None:
        """After a restart: updates still waiting in .staged/ become pending again."""
        folder = self.paths.staged_dir
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

