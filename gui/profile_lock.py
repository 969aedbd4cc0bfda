"""One server per profile: the profile lock.

The window and ``--headless`` take ``<data>/profile.lock`` before the server
starts and hold it until the core stops. The file says who holds it (pid,
start time, which front end, host) and the lock itself is an OS file lock
(``flock``) on it, so a process that dies releases it however it dies. A
second server on the same profile is refused with a message naming the
holder; a lock file left by a process that is gone is taken over with a
warning naming that process.

Command-line changes to files the running server owns (ops, bans,
whitelist, server.properties) check :func:`holder` and, while a server
runs, say how to make the change there instead (gui/cli/server.py).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gui.errors import PumpkinPatchError
from gui.paths import AppPaths

LOCK_NAME = "profile.lock"


def lock_path(paths: AppPaths) -> Path:
    """The lock file of a profile."""
    return paths.data_dir / LOCK_NAME


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) a profile lock."""

    pid: int
    started: str  # ISO time the holder took the lock
    what: str  # "the window", "a headless server", "a command"
    host: str = ""

    def describe(self) -> str:
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"{self.what} (pid {self.pid}{where}, since {self.started})"

    @classmethod
    def read(cls, text: str) -> LockHolder | None:
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["started"]), str(data["what"]),
                       str(data.get("host", "")))
        except (ValueError, KeyError, TypeError):
            return None


class ProfileLocked(PumpkinPatchError, RuntimeError):
    """Another process holds the profile; the message names it and what to do."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "another Pumpkin Patch process"
        super().__init__(
            f"this profile is in use by {who}: only one server may run on a profile "
            f"({path}). Use that one, or stop it first; to run a second server, give it "
            "its own profile with --basedir DIR")


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one another user owns counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProfileLock:
    """The lock of one profile, held by this process between :meth:`acquire` and :meth:`release`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, what: str, *, warn: Callable[[str], None] | None = None) -> None:
        """Take the lock for ``what`` (e.g. "the window"); idempotent while held.

        Raises:
            ProfileLocked: another process (or another core in this one) holds it.
        """
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ProfileLocked(self.path, _read_holder(self.path)) from None
        except BaseException:
            os.close(fd)
            raise
        previous = LockHolder.read(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        if previous is not None and warn is not None:
            state = "is gone" if not pid_alive(previous.pid) else "no longer holds it"
            warn(f"took over the profile lock {self.path} left by {previous.describe()}, "
                 f"which {state}")
        me = LockHolder(os.getpid(), _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                        what, socket.gethostname())
        data = json.dumps(me.__dict__).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (idempotent); the file stays, empty, for the next holder."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # an empty file: nobody to take over from
        os.close(fd)  # releases the flock


def _read_holder(path: Path) -> LockHolder | None:
    try:
        return LockHolder.read(path.read_text(encoding="utf-8"))
    except OSError:
        return None


def holder(paths: AppPaths) -> LockHolder | None:
    """Who holds the profile's lock right now (None: nobody, or the holder is gone)."""
    path = lock_path(paths)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path) or LockHolder(0, "?", "another Pumpkin Patch process")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
