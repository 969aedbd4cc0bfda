"""The installed plugins as a list: name, version, description and their badges.

:class:`PluginListModel` mirrors ``PluginManager.plugins`` (sorted by name)
and refreshes on every plugin state change; :class:`PluginDelegate` paints
each row with the state badge (:func:`gui.ui.badges.plugin_badge`), the
signed / unverified badge, and ``update X`` when the source offers a newer version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from gui.plugins import PluginState
from gui.plugins.notices import PluginStateChanged
from gui.ui.badges import paint_pill, pill_width, plugin_badge, signature_badge, update_badge
from gui.ui.bridge import CoreEvents

Index = QModelIndex | QPersistentModelIndex
PluginRole = Qt.ItemDataRole.UserRole + 1
BadgeRole = Qt.ItemDataRole.UserRole + 2
SignatureRole = Qt.ItemDataRole.UserRole + 3
UpdateRole = Qt.ItemDataRole.UserRole + 4
Signer = Callable[[str], "str | None"]
Latest = Callable[[str], "str | None"]


class PluginListModel(QAbstractListModel):
    """One row per installed plugin.

    Signals:
        badgeChanged(str, str): a plugin's state badge now reads this (name, label).
    """

    badgeChanged = Signal(str, str)

    def __init__(self, manager: Any, events: CoreEvents, signer: Signer,
                 parent: Any = None, *, update_to: Latest = lambda _name: None) -> None:
        super().__init__(parent)
        self.manager = manager
        self._signer = signer
        self._update_to = update_to
        self._names: list[str] = []
        self._badges: dict[str, str] = {}
        events.when(PluginStateChanged, lambda _notice: self.refresh())
        self.refresh()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._names):
            return None
        name = self._names[index.row()]
        plugin = self.manager.plugins.get(name)
        if plugin is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return name
        if role == PluginRole:
            return plugin
        if role == BadgeRole:
            return plugin_badge(plugin)
        if role == SignatureRole:
            return signature_badge(self._signer(name))
        if role == UpdateRole:
            return update_badge(self._update_to(name))
        if role == Qt.ItemDataRole.ToolTipRole:
            badge = plugin_badge(plugin)
            return badge.tooltip or f"{name}: {badge.label}"
        return None

    def names(self) -> list[str]:
        return list(self._names)

    def row_of(self, name: str) -> int:
        return self._names.index(name) if name in self._names else -1

    def badge_of(self, name: str) -> str | None:
        return self._badges.get(name)

    def refresh(self) -> None:
        names = sorted((name for name, plugin in self.manager.plugins.items()
                        if plugin.lifecycle.state is not PluginState.REMOVED), key=str.lower)
        if names != self._names:
            self.beginResetModel()
            self._names = names
            self.endResetModel()
        elif names:
            self.dataChanged.emit(self.index(0), self.index(len(names) - 1))
        for name in names:
            label = plugin_badge(self.manager.plugins[name]).label
            if self._badges.get(name) != label:
                self._badges[name] = label
                self.badgeChanged.emit(name, label)
        for gone in set(self._badges) - set(names):
            del self._badges[gone]


class PluginDelegate(QStyledItemDelegate):
    """Paints a plugin row: name + version, description, state and signature pills."""

    ROW_HEIGHT = 50

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(280, self.ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        plugin = index.data(PluginRole)
        if plugin is None:
            return
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                            option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        ink = palette.highlightedText().color() if selected else palette.text().color()
        dim = ink if selected else palette.placeholderText().color()
        rect = QRectF(option.rect).adjusted(8, 5, -8, -5)

        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.85))
        metrics = QFontMetrics(small)
        badges = [b for b in (index.data(BadgeRole), index.data(SignatureRole),
                              index.data(UpdateRole)) if b is not None]
        right = rect.right()
        painter.save()
        painter.setFont(small)
        for badge in badges:
            width = pill_width(metrics, badge.label)
            pill = QRectF(right - width, rect.top() + 1, width, metrics.height() + 4)
            paint_pill(painter, pill, badge)
            right -= width + 6
        painter.restore()

        bold = QFont(option.font)
        bold.setBold(True)
        painter.save()
        painter.setFont(bold)
        painter.setPen(ink)
        name_rect = QRectF(rect.left(), rect.top(), right - rect.left() - 4, rect.height() / 2)
        version = plugin.metadata.version if plugin.metadata else ""
        name_width = QFontMetrics(bold).horizontalAdvance(plugin.name)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         plugin.name)
        painter.setFont(small)
        painter.setPen(dim)
        if version:
            version_rect = name_rect.adjusted(name_width + 6, 0, 0, 0)
            painter.drawText(version_rect,
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, version)
        description = (plugin.metadata.description if plugin.metadata else "") or \
            (plugin.error or plugin.path.name)
        desc_rect = QRectF(rect.left(), rect.top() + rect.height() / 2, rect.width(),
                           rect.height() / 2)
        elided = metrics.elidedText(description, Qt.TextElideMode.ElideRight,
                                    int(desc_rect.width()))
        painter.drawText(desc_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         elided)
        painter.restore()
