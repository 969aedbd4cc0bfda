"""What the operations tell their subscribers (console, window, alerts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackupProgress:
    """A backup or restore is under way: ``done`` of ``total`` bytes."""

    what: str  # "backup" or "restore"
    name: str
    done: int
    total: int


@dataclass(frozen=True)
class BackupMade:
    name: str
    size: int
    seconds: float
    reason: str


@dataclass(frozen=True)
class BackupRestored:
    name: str
    safety: str  # the backup of the state before the restore


@dataclass(frozen=True)
class BackupFailed:
    """A backup or restore failed (``what``); ``message`` says why and what to do."""

    what: str
    message: str


@dataclass(frozen=True)
class ScheduleRan:
    """A scheduled task ran; ``ok`` false when it failed (the schedule carries on)."""

    schedule: str
    ok: bool
    result: str


@dataclass(frozen=True)
class ServerCrashed:
    """The server loop failed unexpectedly; it restarts after ``restart_after`` seconds,
    or (``gave_up``) stays stopped until the admin starts it."""

    part: str
    error: str
    traceback: str
    restart_after: float | None
    gave_up: bool
    failures: int


OpsNotice = (BackupProgress | BackupMade | BackupRestored | BackupFailed | ScheduleRan
             | ServerCrashed)
