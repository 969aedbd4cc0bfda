"""The notification centre: traps, quarantines, server failures, held updates, errors.

:class:`NotificationCenter` turns core events into :class:`Notification`
records, keeps the history and announces each new one with ``posted``. The
banner (notification_bar.py), the tray (tray.py) and the history page
(notifications_page.py) are views of it. Nothing here opens a dialog: a
notification only offers actions, and the window runs the one clicked.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from gui.plugins import PluginFaulted, PluginMessage, PluginUpdateAvailable, PluginUpdateHeld

DETAILS, RESTART, DISABLE, REVIEW, UPDATE = "Details", "Restart", "Disable", "Review", "Update"
PLUGIN_ACTIONS = (DETAILS, RESTART, DISABLE)

_ids = itertools.count(1)


@dataclass(frozen=True)
class Notification:
    """One notification.

    Attributes:
        kind: ``"trap"``, ``"quarantine"``, ``"server"``, ``"update"``, ``"error"``,
            ``"plugin"`` (a plugin's own notice) or ``"info"``.
        title: One line: who and what ("crashy trapped (unreachable)").
        message: What happened and what to do next.
        plugin: The plugin it is about, if any.
        actions: Button labels offered (see the module constants).
        severity: ``"error"``, ``"warning"`` or ``"info"`` (the banner's colour).
    """

    kind: str
    title: str
    message: str
    plugin: str | None = None
    actions: tuple[str, ...] = ()
    severity: str = "error"
    id: int = field(default_factory=lambda: next(_ids))
    time: float = field(default_factory=time.time)


class NotificationCenter(QObject):
    """History of notifications and the signal views listen to.

    Signals:
        posted(Notification): a new notification (at most one per call to post).
        actionRequested(Notification, str): a view's action button was clicked.
        unreadChanged(int): how many were posted since the history was last seen.
    """

    posted = Signal(object)
    actionRequested = Signal(object, str)
    unreadChanged = Signal(int)

    def __init__(self, parent: QObject | None = None, *, keep: int = 500) -> None:
        super().__init__(parent)
        self.history: list[Notification] = []
        self.unread = 0
        self._keep = keep

    def post(self, notification: Notification) -> Notification:
        self.history.append(notification)
        del self.history[:-self._keep]
        self.unread += 1
        self.posted.emit(notification)
        self.unreadChanged.emit(self.unread)
        return notification

    def mark_read(self) -> None:
        if self.unread:
            self.unread = 0
            self.unreadChanged.emit(0)

    def clear(self) -> None:
        self.history.clear()
        self.mark_read()

    def request(self, notification: Notification, action: str) -> None:
        self.actionRequested.emit(notification, action)

    # -- builders, connected to CoreEvents / TaskRunner by the window ----------------
    def plugin_faulted(self, notice: PluginFaulted) -> Notification:
        record = notice.record
        fault = record.fault
        if notice.quarantined:
            return self.post(Notification(
                "quarantine", f"{record.plugin} quarantined ({fault.kind})",
                f"{fault.message} (in {record.export}). It trapped too often and will not "
                "restart by itself: fix or update it, then press Restart.",
                record.plugin, PLUGIN_ACTIONS))
        after = f"{notice.restart_after:g} s" if notice.restart_after else "a moment"
        return self.post(Notification(
            "trap", f"{record.plugin} trapped ({fault.kind})",
            f"{fault.message} (in {record.export}). It restarts by itself in {after}; "
            "the server and the other plugins keep running.",
            record.plugin, PLUGIN_ACTIONS))

    def server_failed(self, error: str) -> Notification:
        return self.post(Notification("server", "The server failed", error, None,
                                      (DETAILS, RESTART)))

    def task_failed(self, what: str, message: str) -> Notification:
        return self.post(Notification("error", f"{what} failed", message))

    def update_held(self, notice: PluginUpdateHeld) -> Notification:
        added = ", ".join(notice.added) or "nothing new"
        return self.post(Notification(
            "update", f"Update of {notice.plugin} to {notice.version} held for review",
            f"It asks for more permissions ({added}). The running version keeps serving "
            "until you review the update.", notice.plugin, (DETAILS, REVIEW),
            severity="warning"))

    def update_available(self, notice: PluginUpdateAvailable) -> Notification:
        return self.post(Notification(
            "update", f"{notice.plugin} {notice.latest} is available",
            f"You run {notice.installed}; {notice.source} offers {notice.latest}. Update "
            "installs it through the usual checks, and asks first if it wants more "
            "permissions.", notice.plugin, (DETAILS, UPDATE), severity="info"))

    def plugin_message(self, notice: PluginMessage) -> Notification:
        """A plugin's own notice (pumpkin-patch:host/notify), in its own words."""
        severity = {"critical": "error", "warning": "warning"}.get(notice.level, "info")
        return self.post(Notification(
            "plugin", f"{notice.plugin}: {notice.title}", notice.body, notice.plugin,
            (DETAILS,), severity=severity))

    def info(self, title: str, message: str, plugin: str | None = None) -> Notification:
        return self.post(Notification("info", title, message, plugin, severity="info"))
