"""What an alert says: one :class:`Alert` per notice worth telling someone about.

The same notices the window shows (plugin trapped or quarantined, server
crashed, backup failed, a scheduled task failed, update available, a plugin's
own notice) become
alerts with a kind from :data:`gui.ops.config.ALERT_KINDS`; other notices
(progress, state changes) give ``None``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gui.ops.notices import BackupFailed, ScheduleRan, ServerCrashed
from gui.plugins import PluginFaulted, PluginMessage, PluginUpdateAvailable


@dataclass(frozen=True)
class Alert:
    """One alert.

    Attributes:
        kind: See ``ALERT_KINDS``.
        title: One line, who and what.
        message: What happened and what to do.
        plugin: The plugin it is about, if any.
        time: When (seconds since the epoch).
    """

    kind: str
    title: str
    message: str
    plugin: str | None = None
    time: float = field(default_factory=time.time)

    def text(self) -> str:
        return f"{self.title}: {self.message}" if self.message else self.title


def alert_for(notice: object) -> Alert | None:
    """The alert for ``notice``, or ``None`` when it is not one that alerts."""
    if isinstance(notice, PluginFaulted):
        record, fault = notice.record, notice.record.fault
        if notice.quarantined:
            return Alert("plugin-quarantined", f"{record.plugin} quarantined ({fault.kind})",
                         f"{fault.message} (in {record.export}). It trapped too often and "
                         "stays stopped until it is re-enabled.", record.plugin)
        after = f"{notice.restart_after:g} s" if notice.restart_after else "a moment"
        return Alert("plugin-trapped", f"{record.plugin} trapped ({fault.kind})",
                     f"{fault.message} (in {record.export}). It restarts by itself in "
                     f"{after}.", record.plugin)
    if isinstance(notice, ServerCrashed):
        if notice.gave_up:
            return Alert("server-crashed", "The server crashed and stays stopped",
                         f"{notice.part}: {notice.error}. It failed {notice.failures} time(s) "
                         "in a row; fix the cause, then start it.")
        return Alert("server-crashed", "The server crashed",
                     f"{notice.part}: {notice.error}. It restarts in "
                     f"{notice.restart_after:g} s.")
    if isinstance(notice, BackupFailed):
        return Alert("backup-failed", f"The {notice.what} failed", notice.message)
    if isinstance(notice, ScheduleRan) and not notice.ok:
        return Alert("schedule-failed", f"Scheduled task {notice.schedule!r} failed",
                     notice.result)
    if isinstance(notice, PluginMessage):
        return Alert("plugin-notice", f"{notice.plugin} ({notice.level}): {notice.title}",
                     notice.body, notice.plugin)
    if isinstance(notice, PluginUpdateAvailable):
        return Alert("update-available", f"{notice.plugin} {notice.latest} is available",
                     f"Installed: {notice.installed}; offered by {notice.source}.",
                     notice.plugin)
    return None
