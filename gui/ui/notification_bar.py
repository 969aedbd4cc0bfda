"""The in-window notifications: cards at the top of the window, never a dialog.

Each new :class:`Notification` becomes a card with its title, message and
action buttons (Details, Restart, Disable, ...) and a close button. At most
:data:`MAX_CARDS` are shown, newest first; older ones stay in the history
page. Information cards close themselves after a while; faults stay until
dismissed or acted on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.ui.notifications import Notification, NotificationCenter

MAX_CARDS = 3
INFO_SECONDS = 8

_COLOURS = {"error": "#c62828", "warning": "#f9a825", "info": "#1e88e5"}


class NotificationCard(QFrame):
    """One notification with its action buttons."""

    def __init__(self, notification: Notification, center: NotificationCenter,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notification = notification
        self.setObjectName("notificationCard")
        colour = _COLOURS.get(notification.severity, _COLOURS["error"])
        self.setStyleSheet(
            f"#notificationCard {{ background: palette(base); border: 1px solid #d0d0d0;"
            f" border-left: 5px solid {colour}; border-radius: 4px; }}")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        text = QVBoxLayout()
        self.title = QLabel(f"<b>{_escape(notification.title)}</b>")
        self.message = QLabel(_escape(notification.message))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.title)
        text.addWidget(self.message)
        layout.addLayout(text, 1)
        self.buttons: dict[str, QPushButton] = {}
        for action in notification.actions:
            button = QPushButton(action)
            button.clicked.connect(lambda _=False, a=action: self._act(center, a))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            self.buttons[action] = button
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss (it stays in the notification history)")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.dismissed = False

    def _act(self, center: NotificationCenter, action: str) -> None:
        center.request(self.notification, action)
        self.dismiss()

    def dismiss(self) -> None:
        if not self.dismissed:
            self.dismissed = True
            self.hide()
            self.deleteLater()


FAULT_KINDS = ("trap", "quarantine")


class NotificationBar(QWidget):
    """The stack of :class:`NotificationCard` under the window's toolbar."""

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center = center
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 0)
        self._layout.setSpacing(4)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        center.posted.connect(self.show_notification)
        self.setVisible(False)

    def cards(self) -> list[NotificationCard]:
        """The cards shown, newest first."""
        items = (self._layout.itemAt(i).widget() for i in range(self._layout.count()))
        return [w for w in items if isinstance(w, NotificationCard) and not w.dismissed]

    def show_notification(self, notification: Notification) -> NotificationCard:
        if notification.kind in FAULT_KINDS and notification.plugin:
            # A plugin's newest fault says where it stands ("restarts in 2 s", then
            # "quarantined"): its older fault cards are stale. The history keeps them.
            for old in self.cards():
                if old.notification.kind in FAULT_KINDS and \
                        old.notification.plugin == notification.plugin:
                    old.dismiss()
        card = NotificationCard(notification, self.center, self)
        self._layout.insertWidget(0, card)
        for old in self.cards()[MAX_CARDS:]:
            old.dismiss()
        card.destroyed.connect(self._update_visibility)
        card.show()
        if notification.severity == "info":
            QTimer.singleShot(INFO_SECONDS * 1000, card.dismiss)
        self.setVisible(True)
        return card

    def _update_visibility(self) -> None:
        self.setVisible(bool(self.cards()))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
