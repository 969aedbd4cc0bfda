"""The console's lines as a Qt item model, with level, source and text filters.

Lines arrive in batches from :class:`gui.ui.bridge.ConsoleFeed`. The model
keeps the last ``capacity`` lines in Python (for re-filtering) and the
lines that pass the filter as items of a :class:`QStandardItemModel`, so
painting the view never calls back into Python: while plugins keep the
runtime thread busy, every such call waits for the GIL, and a repaint
that asks a Python model for ~400 cell values took 15-50 ms. A batch costs
one item per line; changing the filter rebuilds the items once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel

from gui.server.console import LEVELS, ConsoleLine

CAPACITY = 5000
LEVEL_COLOURS = {"debug": "#8a8a8a", "warn": "#b26a00", "error": "#c62828"}
SOURCE_COLOURS = {"playtest": "#00796b"}


@dataclass(frozen=True)
class ConsoleFilter:
    """Which lines are shown: levels, one source (or all), text (case-insensitive)."""

    levels: frozenset[str] = frozenset(LEVELS)
    source: str | None = None
    text: str = ""

    def accepts(self, line: ConsoleLine, formatted: str) -> bool:
        """Whether ``line`` (``formatted`` as shown) passes; ``text`` is lower case."""
        return (line.level in self.levels
                and (self.source is None or line.source == self.source)
                and (not self.text or self.text in formatted.lower()))


class ConsoleModel(QStandardItemModel):
    """Console lines for a view, one item per shown line.

    Signals:
        sourceAdded(str): a line came from a source not seen before.
    """

    sourceAdded = Signal(str)

    def __init__(self, capacity: int = CAPACITY, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: deque[tuple[ConsoleLine, str]] = deque()
        self._capacity = capacity
        self._filter = ConsoleFilter()
        self._shown_entries: deque[tuple[ConsoleLine, str]] = deque()
        self._brushes = {colour: QBrush(QColor(colour))
                         for colour in (*LEVEL_COLOURS.values(), *SOURCE_COLOURS.values())}
        self.sources: set[str] = set()

    @property
    def filter(self) -> ConsoleFilter:
        return self._filter

    def lines(self) -> list[ConsoleLine]:
        """The lines shown (after the filter), oldest first."""
        return [line for line, _ in self._shown_entries]

    def texts(self) -> list[str]:
        """The shown lines as displayed."""
        return [text for _, text in self._shown_entries]

    def _item(self, line: ConsoleLine, text: str) -> QStandardItem:
        item = QStandardItem(text)
        item.setEditable(False)
        colour = LEVEL_COLOURS.get(line.level) or SOURCE_COLOURS.get(line.source)
        if colour:
            item.setForeground(self._brushes[colour])
        return item

    def append_lines(self, lines: list[ConsoleLine]) -> None:
        entries = [(line, line.format()) for line in lines[-self._capacity:]]
        for line, _ in entries:
            if line.source not in self.sources:
                self.sources.add(line.source)
                self.sourceAdded.emit(line.source)
        self._all.extend(entries)
        overflow = len(self._all) - self._capacity
        if overflow > 0:
            gone = {id(self._all.popleft()) for _ in range(overflow)}
            count = 0
            for entry in self._shown_entries:  # shown lines are in order: the gone come first
                if id(entry) not in gone:
                    break
                count += 1
            for _ in range(count):
                self._shown_entries.popleft()
            if count:
                self.removeRows(0, count)
        shown = [e for e in entries if self._filter.accepts(*e)]
        if shown:
            self._shown_entries.extend(shown)
            self.invisibleRootItem().appendRows([self._item(*e) for e in shown])

    def set_filter(self, console_filter: ConsoleFilter) -> None:
        lowered = ConsoleFilter(console_filter.levels, console_filter.source,
                                console_filter.text.lower())
        if lowered == self._filter:
            return
        self._filter = lowered
        self._shown_entries = deque(e for e in self._all if lowered.accepts(*e))
        self.removeRows(0, self.rowCount())
        if self._shown_entries:
            self.invisibleRootItem().appendRows([self._item(*e) for e in self._shown_entries])

    def clear_lines(self) -> None:
        self._all.clear()
        self._shown_entries.clear()
        self.removeRows(0, self.rowCount())
