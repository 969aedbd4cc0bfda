"""Backups of a profile's server: made while it runs, kept by count, restored with care.

A backup is one archive in ``<data>/backups`` named by its local time
(``backup-20261203-041500.tar.gz``; a reason other than "manual" is added,
``backup-...-before-restore.tar.gz``). It holds the server folder
(server.properties, ops, bans, whitelist, world), the plugins' data
folders, and by default the plugins and their grants; logs only when asked.

:meth:`BackupService.create` writes on a worker thread, so the tick loop
keeps its 20 TPS; one backup at a time (a second request is refused with
:class:`BackupBusy`). After each backup the oldest archives beyond
``[backups] keep`` are deleted.

:meth:`BackupService.restore` checks and unpacks the archive into a scratch
folder first, so a corrupt, truncated, over-size or crafted archive is
refused with nothing changed and the server still running. Only then it
stops the server, backs up the current state, swaps the folders in, and
starts the server again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import gui
from gui.errors import PumpkinPatchError
from gui.ops.archive import ArchiveError, Area, read_manifest, unpack_archive, write_archive
from gui.ops.config import BackupSettings
from gui.ops.notices import BackupFailed, BackupMade, BackupProgress, BackupRestored, OpsNotice
from gui.paths import AppPaths

log = logging.getLogger(__name__)

SUFFIX = ".tar.gz"
NAME = re.compile(r"^backup-(\d{8}-\d{6})(?:-(\d+))?(?:-([a-z][a-z0-9-]*))?\.tar\.gz$")
PROGRESS_EVERY_S = 0.1
# Area names inside an archive.
SERVER, PLUGINS, PLUGIN_DATA, PLUGIN_LOGS, CONFIG = (
    "server", "plugins", "plugin-data", "plugin-logs", "config")
AREAS = (SERVER, PLUGINS, PLUGIN_DATA, PLUGIN_LOGS, CONFIG)
LOGS = "logs"
GRANTS = "grants.json"

Publish = Callable[[OpsNotice], None]


class BackupError(PumpkinPatchError):
    """A backup or restore did not happen; the message names the archive and why."""


class BackupBusy(BackupError):
    """Another backup or restore is running."""


def backups_dir(paths: AppPaths) -> Path:
    """Where the archives of ``paths`` live: ``<data>/backups``."""
    return paths.data_dir / "backups"


@dataclass(frozen=True)
class BackupInfo:
    """One archive in the backups folder.

    Attributes:
        name: The file name.
        path: The file.
        size: Bytes on disk.
        created: When it was made (seconds since the epoch, from its name).
        reason: "manual", "scheduled", "before-restore", ...
    """

    name: str
    path: Path
    size: int
    created: float
    reason: str


class BackupService:
    """Creates, lists, prunes and restores the backups of one profile."""

    def __init__(self, paths: AppPaths, settings: BackupSettings | None = None, *,
                 publish: Publish | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        """Bind the service to a profile.

        Args:
            paths: The profile.
            settings: ``[backups]``; the defaults when ``None``.
            publish: Called (on the loop) with progress and outcomes.
            clock: Gives the time a new archive is named after.
        """
        self.paths = paths
        self.settings = settings or BackupSettings()
        self.folder = backups_dir(paths)
        self._publish = publish or (lambda _notice: None)
        self._clock = clock
        self._lock = asyncio.Lock()
        self.busy: str | None = None  # "backup" / "restore" while one runs

    # -- what goes in --------------------------------------------------------------
    def areas(self) -> list[Area]:
        s, p = self.settings, self.paths
        areas = [Area(SERVER, p.server_dir, skip=frozenset() if s.include_logs
                      else frozenset({LOGS})),
                 Area(PLUGIN_DATA, p.plugin_data_root)]
        if s.include_plugins:
            areas += [Area(PLUGINS, p.plugins_dir),
                      Area(CONFIG, p.config_dir, only=frozenset({GRANTS}))]
        if s.include_logs:
            areas.append(Area(PLUGIN_LOGS, p.plugin_logs_dir))
        return areas

    def _folder_of(self, area: str) -> Path:
        p = self.paths
        return {SERVER: p.server_dir, PLUGINS: p.plugins_dir, PLUGIN_DATA: p.plugin_data_root,
                PLUGIN_LOGS: p.plugin_logs_dir, CONFIG: p.config_dir}[area]

    # -- listing and retention ---------------------------------------------------------
    def list(self) -> list[BackupInfo]:
        """The archives, oldest first (files that are not backups are ignored)."""
        found: list[tuple[int, BackupInfo]] = []
        try:
            entries = list(self.folder.iterdir())
        except FileNotFoundError:
            return []
        for path in entries:
            match = NAME.match(path.name)
            if match is None or not path.is_file():
                continue
            created = time.mktime(time.strptime(match.group(1), "%Y%m%d-%H%M%S"))
            with contextlib.suppress(OSError):
                stat = path.stat()
                found.append((stat.st_mtime_ns, BackupInfo(path.name, path, stat.st_size,
                                                           created, match.group(3) or "manual")))
        # Names have whole seconds: within one, the file written last is the newest.
        found.sort(key=lambda pair: (pair[1].created, _serial(pair[1].name), pair[0]))
        return [info for _mtime, info in found]

    def get(self, name: str) -> BackupInfo:
        """The archive called ``name`` (with or without ``.tar.gz``).

        Raises:
            BackupError: There is none; the message lists what there is.
        """
        wanted = name if name.endswith(SUFFIX) else name + SUFFIX
        for info in self.list():
            if info.name == wanted:
                return info
        names = ", ".join(b.name for b in self.list()[-5:]) or "none yet"
        raise BackupError(f"no backup called {name!r} in {self.folder} (latest: {names}); "
                          "see 'pumpkin-patch backup list'")

    def prune(self, keep: int | None = None) -> list[BackupInfo]:
        """Delete the oldest archives so that ``keep`` (default: the setting) remain."""
        keep = self.settings.keep if keep is None else keep
        archives = self.list()
        doomed = archives[:max(0, len(archives) - keep)]
        for info in doomed:
            info.path.unlink(missing_ok=True)
        return doomed

    # -- creating -------------------------------------------------------------------
    async def create(self, reason: str = "manual") -> BackupInfo:
        """Make a backup on a worker thread, then apply the retention count.

        Raises:
            BackupBusy: A backup or restore is already running.
            BackupError: The archive could not be written (also published).
        """
        if self._lock.locked():
            raise BackupBusy(f"a {self.busy or 'backup'} is already running; wait for it "
                             "to finish, then try again")
        async with self._lock:
            self.busy = "backup"
            try:
                return await self._create(reason)
            finally:
                self.busy = None

    async def _create(self, reason: str) -> BackupInfo:
        loop = asyncio.get_running_loop()
        target = self._new_name(reason)
        report = self._progress_reporter(loop, "backup", target.name)
        began = time.perf_counter()
        try:
            info = await asyncio.to_thread(self._write_and_prune, target, reason, report)
        except ArchiveError as exc:
            self._publish(BackupFailed("backup", str(exc)))
            raise BackupError(str(exc)) from exc
        seconds = time.perf_counter() - began
        self._publish(BackupMade(info.name, info.size, seconds, reason))
        return info

    def create_now(self, reason: str = "manual") -> BackupInfo:
        """Make a backup on this thread (the CLI, with no server running)."""
        try:
            return self._write_and_prune(self._new_name(reason), reason, None)
        except ArchiveError as exc:
            raise BackupError(str(exc)) from exc

    def _write_and_prune(self, target: Path, reason: str,
                         progress: Callable[[int, int], None] | None) -> BackupInfo:
        self._write(target, reason, progress)
        self.prune()  # deleting big files takes time too: on the worker thread
        return self._info(target, reason)

    def _write(self, target: Path, reason: str,
               progress: Callable[[int, int], None] | None) -> int:
        manifest = {"format": 1, "app": f"pumpkin-patch {gui.__version__}",
                    "created": self._clock(), "reason": reason,
                    "areas": [area.name for area in self.areas()]}
        return write_archive(target, self.areas(), manifest, progress=progress)

    def _new_name(self, reason: str) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        tail = "" if reason == "manual" else f"-{reason}"
        target = self.folder / f"backup-{stamp}{tail}{SUFFIX}"
        serial = 2
        while target.exists():  # two in one second: numbered, still sorted by time
            target = self.folder / f"backup-{stamp}-{serial}{tail}{SUFFIX}"
            serial += 1
        return target

    def _info(self, path: Path, reason: str) -> BackupInfo:
        match = NAME.match(path.name)
        assert match is not None
        created = time.mktime(time.strptime(match.group(1), "%Y%m%d-%H%M%S"))
        return BackupInfo(path.name, path, path.stat().st_size, created, reason)

    def _progress_reporter(self, loop: asyncio.AbstractEventLoop, what: str,
                           name: str) -> Callable[[int, int], None]:
        last = [0.0]

        def report(done: int, total: int) -> None:  # on the worker thread
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or done >= total:
                last[0] = now
                loop.call_soon_threadsafe(self._publish, BackupProgress(what, name, done, total))

        return report

    # -- restoring ---------------------------------------------------------------------
    async def restore(self, name: str, *, stop: Callable[[], Awaitable[object]],
                      start: Callable[[], Awaitable[object]]) -> BackupRestored:
        """Check and unpack ``name``, stop the server, back up, swap, start again.

        Args:
            name: The archive (see :meth:`get`).
            stop: Stops the server (and unloads plugins).
            start: Starts it again (and loads plugins).

        Raises:
            BackupBusy: A backup or restore is already running.
            BackupError: The archive was refused (nothing changed) or the swap
                failed (the old state was put back). Also published.
        """
        if self._lock.locked():
            raise BackupBusy(f"a {self.busy or 'backup'} is already running; wait for it "
                             "to finish, then try again")
        async with self._lock:
            self.busy = "restore"
            try:
                info = await asyncio.to_thread(self.get, name)
                scratch = Path(tempfile.mkdtemp(prefix=".restore-", dir=self.paths.data_dir))
                try:
                    found = await asyncio.to_thread(self._unpack, info, scratch)
                    await stop()
                    try:
                        safety = await self._create("before-restore")
                        await asyncio.to_thread(self._swap, scratch, found)
                    finally:
                        await start()
                finally:
                    await asyncio.to_thread(shutil.rmtree, scratch, True)
            except BackupError as exc:
                if not isinstance(exc, BackupBusy):
                    self._publish(BackupFailed("restore", str(exc)))
                raise
            finally:
                self.busy = None
        restored = BackupRestored(info.name, safety.name)
        self._publish(restored)
        return restored

    def restore_now(self, name: str) -> BackupRestored:
        """Restore on this thread (the CLI, with no server running)."""
        info = self.get(name)
        scratch = Path(tempfile.mkdtemp(prefix=".restore-", dir=self.paths.data_dir))
        try:
            found = self._unpack(info, scratch)
            safety = self.create_now("before-restore")
            self._swap(scratch, found)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return BackupRestored(info.name, safety.name)

    def _unpack(self, info: BackupInfo, scratch: Path) -> list[str]:
        try:
            read_manifest(info.path)
            found = unpack_archive(info.path, scratch / "new", areas=AREAS,
                                   max_bytes=self.settings.max_restore_mb << 20)
        except ArchiveError as exc:
            raise BackupError(str(exc)) from exc
        if CONFIG in found:  # only grants.json: never settings, keys or sources
            extra = sorted(p.name for p in (scratch / "new" / CONFIG).iterdir()
                           if p.name != GRANTS or not p.is_file())
            if extra:
                raise BackupError(f"{info.name}: config/ holds {', '.join(extra)}; a backup "
                                  f"restores only config/{GRANTS} there; refused")
        return found

    def _swap(self, scratch: Path, found: list[str]) -> None:
        """Move each unpacked area into place; on a failure, put back what was moved."""
        moved: list[tuple[Path, Path | None]] = []  # (live folder, its old copy)
        old_root = scratch / "old"
        old_root.mkdir()
        try:
            for area in found:
                new = scratch / "new" / area
                live = self._folder_of(area)
                if area == CONFIG:
                    for item in new.iterdir():  # single files (grants.json), replaced atomically
                        live.mkdir(parents=True, exist_ok=True)
                        item.replace(live / item.name)
                    continue
                if area == SERVER and (live / LOGS).exists() and not (new / LOGS).exists():
                    (live / LOGS).rename(new / LOGS)  # logs not in the backup: keep today's
                old = old_root / area
                if live.exists():
                    live.rename(old)
                    moved.append((live, old))
                else:
                    moved.append((live, None))
                new.rename(live)
        except OSError as exc:
            for live, old in reversed(moved):
                with contextlib.suppress(OSError):
                    if live.exists():
                        shutil.rmtree(live)
                    if old is not None:
                        old.rename(live)
            raise BackupError(f"restoring into {self.paths.data_dir} failed "
                              f"({exc.strerror or exc}); the previous state was put back") \
                from exc


def _serial(name: str) -> int:
    match = NAME.match(name)
    return int(match.group(2)) if match and match.group(2) else 1
