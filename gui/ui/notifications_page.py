"""The notification history: every notification of this session, newest first.

Selecting one shows its message and offers its actions again, so a banner
dismissed too early loses nothing.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.ui.notifications import Notification, NotificationCenter

SEVERITY_MARKS = {"error": "●", "warning": "▲", "info": "ℹ"}
SEVERITY_COLOURS = {"error": "#c62828", "warning": "#b26a00", "info": "#1e88e5"}


class NotificationsPage(QWidget):
    """History list, the selected notification, its actions."""

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center = center
        self.list = QListWidget()
        self.list.setAccessibleName("Notification history")
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.actions = QHBoxLayout()
        self.actions.addStretch(1)
        clear = QPushButton("Clear history")
        clear.clicked.connect(self._clear)
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Notifications</b> (this session)"), 1)
        header.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.list, 3)
        layout.addWidget(self.detail)
        layout.addLayout(self.actions)
        self._buttons: list[QPushButton] = []
        center.posted.connect(self._add)
        for notification in center.history:
            self._add(notification)
        self._show_selected()

    def _add(self, notification: Notification) -> None:
        when = dt.datetime.fromtimestamp(notification.time).strftime("%H:%M:%S")
        mark = SEVERITY_MARKS.get(notification.severity, "●")
        item = QListWidgetItem(f"{mark}  {when}   {notification.title}")
        item.setData(Qt.ItemDataRole.UserRole, notification)
        item.setToolTip(notification.message)
        item.setForeground(QColor(SEVERITY_COLOURS.get(notification.severity, "#000000")))
        self.list.insertItem(0, item)
        if self.isVisible():
            self.center.mark_read()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.center.mark_read()
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)

    def _clear(self) -> None:
        self.center.clear()
        self.list.clear()
        self._show_selected()

    def selected(self) -> Notification | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_selected(self) -> None:
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        notification = self.selected()
        if notification is None:
            self.detail.setText("Nothing has happened yet. Plugin traps, quarantines, server "
                                "failures and held updates appear here.")
            return
        self.detail.setText(f"<b>{_e(notification.title)}</b><br>{_e(notification.message)}")
        for action in notification.actions:
            button = QPushButton(action)
            button.clicked.connect(lambda _=False, a=action, n=notification:
                                   self.center.request(n, a))
            self.actions.insertWidget(len(self._buttons), button)
            self._buttons.append(button)


def _e(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
