"""The running server's side of an install: :class:`PluginHost`."""

from __future__ import annotations

from pathlib import Path

from gui.plugins.manager import PluginManager


class PluginHost:
    """The running server's side of an install (absent for command-line installs).

    Wraps :class:`gui.plugins.PluginManager`: load a new plugin, reload an
    updated one, hold an update for review, forget a removed one.
    """

    def __init__(self, manager: PluginManager) -> None:
        self.manager = manager

    def has(self, name: str) -> bool:
        return name in self.manager.plugins

    def state(self, name: str) -> str:
        plugin = self.manager.plugins.get(name)
        return str(plugin.lifecycle.state) if plugin is not None else "not loaded"

    async def activate(self, name: str, path: Path) -> str:
        """Load ``path`` as ``name`` (unloading a running older version first)."""
        plugin = self.manager.plugins.get(name)
        if plugin is not None:
            if getattr(plugin, "pending_update", None) is not None:
                await self.manager.discard_staged_update(name)
            await self.manager.unload(name)
        await self.manager.load(path)
        return self.state(name)

    async def hold(self, name: str, path: Path) -> bool:
        """Hold ``path`` as a reviewed-later update of a running ``name``; False if not live."""
        plugin = self.manager.plugins.get(name)
        if plugin is None or not plugin.is_live():
            return False
        result = await self.manager.stage_update(name, path)
        return bool(result.held)

    async def unload(self, name: str) -> None:
        if name in self.manager.plugins:
            await self.manager.unload(name)

    async def forget(self, name: str) -> None:
        if name in self.manager.plugins:
            await self.manager.remove(name, keep_data=True)
