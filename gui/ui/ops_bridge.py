"""The operations' notices (backups, schedules, crashes) as Qt signals, and as notifications.

:class:`OpsEvents` subscribes to :meth:`gui.ops.service.Operations.subscribe`
(called on the server loop, which is the GUI thread) and re-emits each
notice on its own signal. :func:`connect_notifications` turns the ones the
admin must hear about into notifications: a crash (banner, with the reason
when the server stays stopped), a failed backup or restore, a failed
scheduled task.
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.ops import (
    BackupFailed,
    BackupMade,
    BackupProgress,
    BackupRestored,
    ScheduleRan,
    ServerCrashed,
)
from gui.ui.notifications import DETAILS, Notification, NotificationCenter

# Notification kinds of these notices, and the [alerts] kind each one is.
ALERT_KIND_OF = {"trap": "plugin-trapped", "quarantine": "plugin-quarantined",
                 "server": "server-crashed", "backup": "backup-failed",
                 "schedule": "schedule-failed", "update": "update-available"}


class OpsEvents(QObject):
    """Operations notices as signals.

    Signals:
        backupProgress(BackupProgress), backupMade(BackupMade),
        backupRestored(BackupRestored), backupFailed(BackupFailed),
        scheduleRan(ScheduleRan), serverCrashed(ServerCrashed).
    """

    backupProgress = Signal(object)
    backupMade = Signal(object)
    backupRestored = Signal(object)
    backupFailed = Signal(object)
    scheduleRan = Signal(object)
    serverCrashed = Signal(object)

    def __init__(self, ops: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = ops.subscribe(self._on_notice)

    def _on_notice(self, notice: object) -> None:
        for kind, signal in ((BackupProgress, self.backupProgress),
                             (BackupMade, self.backupMade),
                             (BackupRestored, self.backupRestored),
                             (BackupFailed, self.backupFailed),
                             (ScheduleRan, self.scheduleRan),
                             (ServerCrashed, self.serverCrashed)):
            if isinstance(notice, kind):
                signal.emit(notice)
                return

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self._unsubscribe()


def crash_notification(notice: ServerCrashed) -> Notification:
    """The notification of a crash the guard restarts from."""
    return Notification("server", "The server crashed; restarting",
                        f"{notice.part}: {notice.error}. It starts again in "
                        f"{notice.restart_after:g} s; the traceback is on the Server page.",
                        None, (DETAILS,), severity="warning")


def connect_notifications(events: OpsEvents, center: NotificationCenter,
                          control: Any) -> None:
    """Post a notification for each crash, failed backup and failed scheduled task.

    When the crash-loop guard gives up, the server control shows "failed" with
    the reason (header, banner and notification, as a failed start does).
    """
    def crashed(notice: ServerCrashed) -> None:
        if notice.gave_up:
            control.report_failure(control.core.ops.guard.gave_up or notice.error)
        else:
            center.post(crash_notification(notice))

    events.serverCrashed.connect(crashed)
    events.backupFailed.connect(lambda n: center.post(Notification(
        "backup", f"The {n.what} failed", n.message)))
    events.scheduleRan.connect(lambda n: None if n.ok else center.post(Notification(
        "schedule", f"Scheduled task {n.schedule!r} failed",
        f"{n.result}. The schedule carries on; see the Schedules page.", severity="warning")))


def tray_filter(ops: Any) -> Any:
    """A predicate for the tray: the notification's kind is switched on in [alerts] tray."""
    def wants(notification: Notification) -> bool:
        kind = ALERT_KIND_OF.get(notification.kind)
        return kind is None or kind in ops.settings.alerts.tray

    return wants
