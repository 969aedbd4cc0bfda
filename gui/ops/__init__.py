"""Running a server day to day: backups, schedules, the crash-loop guard, alerts.

Public surface:
    Operations                       (gui.ops.service, imported from there: it builds
                                     on gui.ops.alerts, which reads the notices below)
    BackupService, BackupInfo, BackupError, BackupBusy, backups_dir  (backups.py)
    ArchiveError                     (archive.py: archive checks)
    Schedule, ScheduleError, parse_schedules  (schedules.py)
    ScheduleRunner, ScheduleStatus   (timetable.py)
    CrashGuard                       (crash_guard.py)
    OpsSettings, BackupSettings, StopSettings, GuardSettings, AlertSettings,
    ALERT_KINDS                      (config.py: the config.toml sections)
    notices: BackupProgress, BackupMade, BackupRestored, BackupFailed, ScheduleRan,
    ServerCrashed                    (notices.py)

Nothing here imports Qt.
"""

from gui.ops.archive import ArchiveError
from gui.ops.backups import BackupBusy, BackupError, BackupInfo, BackupService, backups_dir
from gui.ops.config import (
    ALERT_KINDS,
    AlertSettings,
    BackupSettings,
    GuardSettings,
    OpsSettings,
    StopSettings,
)
from gui.ops.crash_guard import CrashGuard
from gui.ops.notices import (
    BackupFailed,
    BackupMade,
    BackupProgress,
    BackupRestored,
    ScheduleRan,
    ServerCrashed,
)
from gui.ops.schedules import Schedule, ScheduleError, parse_schedules
from gui.ops.timetable import ScheduleRunner, ScheduleStatus

__all__ = [
    "ALERT_KINDS", "AlertSettings", "ArchiveError", "BackupBusy", "BackupError", "BackupFailed",
    "BackupInfo", "BackupMade", "BackupProgress", "BackupRestored", "BackupService",
    "BackupSettings", "CrashGuard", "GuardSettings", "OpsSettings", "Schedule",
    "ScheduleError", "ScheduleRan", "ScheduleRunner", "ScheduleStatus", "ServerCrashed",
    "StopSettings", "backups_dir", "parse_schedules",
]
