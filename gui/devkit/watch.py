"""Noticing that a plugin project's files changed (``sdk run``), by polling.

Polling every half second is plenty for a person saving a file, needs no
extra library, and sees editors that save by writing a new file and
renaming it over the old one. A change is reported once the files have
stopped changing for one poll (a save in several writes is one change).
"""

from __future__ import annotations

from pathlib import Path

from gui.devkit.build_cache import source_files

Snapshot = dict[str, tuple[int, int]]  # relative path -> (mtime ns, size)


def snapshot(directory: Path) -> Snapshot:
    """Every source file of the project, by path, with its modification time and size."""
    found: Snapshot = {}
    for path in source_files(directory):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked
            continue
        found[path.relative_to(directory).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


class ChangeWatcher:
    """Call :meth:`poll` now and then; it says when a settled change is there."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen = snapshot(directory)
        self._pending: Snapshot | None = None

    def poll(self) -> bool:
        now = snapshot(self.directory)
        if self._pending is not None and now == self._pending:
            self._pending = None
            self._seen = now
            return True
        self._pending = now if now != self._seen else None
        return False
