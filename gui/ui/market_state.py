"""What the marketplace knows about installed plugins, kept for the window.

``market.installed()`` and ``market.sources()`` read files, so the window
never calls them on the GUI thread: :class:`MarketState` re-reads them on a
worker thread (after every install, update, uninstall, source change, and
when asked) and announces the result. Views then ask it synchronously:
who signed a plugin, whether it can be updated or rolled back.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.ui.tasks import TaskRunner


class MarketState(QObject):
    """Cached lockfile entries and source states.

    Signals:
        changed(): ``entries`` or ``sources`` were re-read.
    """

    changed = Signal()

    def __init__(self, market: Any, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.market = market
        self._tasks = tasks
        self.entries: dict[str, Any] = {}  # name -> gui.market.LockEntry
        self.sources: list[Any] = []  # gui.market.SourceStatus
        self.updates: dict[str, Any] = {}  # name -> gui.market.UpdateInfo (last check)
        self._pending: asyncio.Task[Any] | None = None

    def refresh(self) -> None:
        if self._pending is not None and not self._pending.done():
            return
        self._pending = self._tasks.start(self._read(), "Reading the installed plugins",
                                          on_done=self._apply)

    async def _read(self) -> tuple[list[Any], list[Any]]:
        def read() -> tuple[list[Any], list[Any]]:
            return self.market.installed(), self.market.sources()

        return await asyncio.to_thread(read)

    def _apply(self, result: tuple[list[Any], list[Any]]) -> None:
        installed, sources = result
        self.entries = {entry.name: entry for entry in installed}
        self.sources = sources
        self.updates = dict(self.market.available_updates)
        self.changed.emit()

    # -- questions views ask ---------------------------------------------------------------
    def signer(self, name: str) -> str | None:
        entry = self.entries.get(name)
        if entry is None or entry.signature != "verified":
            return None
        return entry.signer or entry.source or "a trusted key"

    def signature(self, name: str) -> str:
        entry = self.entries.get(name)
        return entry.signature if entry is not None else "unknown"

    def from_source(self, name: str) -> bool:
        entry = self.entries.get(name)
        return entry is not None and bool(entry.source)

    def update_to(self, name: str) -> str | None:
        """The newer version the plugin's source offers (last update check), if any."""
        entry, info = self.entries.get(name), self.updates.get(name)
        if entry is None or info is None or info.installed != entry.version:
            return None
        return info.latest

    def can_roll_back(self, name: str) -> bool:
        entry = self.entries.get(name)
        return entry is not None and entry.previous is not None

    def installed_version(self, name: str, source: str) -> str | None:
        entry = self.entries.get(name)
        if entry is None or (entry.source and entry.source != source):
            return None
        return entry.version
