"""Tray notifications while the window is not in front.

When the desktop has a system tray, the app keeps an icon there (menu:
Show window, Quit) and shows each fault notification as a tray message
unless the window is the active one. Without a tray (``offscreen``, many
Wayland sessions) it asks the window manager to flag the window instead
(``QApplication.alert``), which is a no-op where that is not supported.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from gui.ui.notifications import Notification, NotificationCenter

TRAY_MS = 8000


class TrayNotifier:
    """Mirrors notifications to the tray (or a window alert) when the window is behind.

    Attributes:
        available: Whether the desktop has a system tray.
        shown: Notifications sent to the tray or as an alert (for tests and logs).
    """

    def __init__(self, window: QWidget, center: NotificationCenter, icon: QIcon,
                 on_quit: Callable[[], None],
                 wants: Callable[[Notification], bool] | None = None) -> None:
        self.window = window
        self._wants = wants  # [alerts] tray: which kinds the admin wants here
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.shown: list[Notification] = []
        self.icon: QSystemTrayIcon | None = None
        if self.available:
            self.icon = QSystemTrayIcon(icon, window)
            self.icon.setToolTip("Pumpkin Patch")
            menu = QMenu(window)
            show = QAction("Show window", menu)
            show.triggered.connect(self.raise_window)
            quit_ = QAction("Quit", menu)
            quit_.triggered.connect(on_quit)
            menu.addActions([show, quit_])
            self.icon.setContextMenu(menu)
            self.icon.messageClicked.connect(self.raise_window)
            self.icon.activated.connect(lambda _reason: self.raise_window())
            self.icon.show()
        center.posted.connect(self.notify)

    def notify(self, notification: Notification) -> None:
        if self.window.isActiveWindow() or notification.severity == "info":
            return
        if self._wants is not None and not self._wants(notification):
            return
        self.shown.append(notification)
        if self.icon is not None:
            self.icon.showMessage(notification.title, notification.message,
                                  QSystemTrayIcon.MessageIcon.Warning, TRAY_MS)
        else:
            QApplication.alert(self.window)

    def raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def close(self) -> None:
        if self.icon is not None:
            self.icon.hide()
