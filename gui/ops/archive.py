"""Backup archives: a gzip'd tar of named areas, written atomically, checked before use.

An archive holds a few top-level areas (``server/``, ``plugins/``,
``plugin-data/``, ``config/``) and a manifest, ``pumpkin-patch-backup.json``.
:func:`write_archive` writes it to a temp file next to the target and renames
it into place, so a half-written archive never carries a backup's name.
:func:`unpack_archive` refuses, before anything outside its scratch folder
is touched, an archive that is corrupt or truncated, has a member whose name
is absolute or climbs out (``..``), is a link or a device, lies outside the
known areas, or unpacks to more than the size cap.
"""

from __future__ import annotations

import json
import os
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from gui.errors import PumpkinPatchError
from gui.paths import atomic_write_with

MANIFEST = "pumpkin-patch-backup.json"
CHUNK = 1 << 20
# Progress: (bytes done, bytes in all).
Progress = Callable[[int, int], None]


class ArchiveError(PumpkinPatchError):
    """An archive cannot be written or is refused; the message names it and why."""


@dataclass(frozen=True)
class Area:
    """One top-level folder of an archive and where it lives on disk.

    Attributes:
        name: The folder's name inside the archive (``"server"``).
        source: The folder on disk.
        skip: Names of entries directly under ``source`` to leave out (``logs``).
        only: If set, the only entries directly under ``source`` to take.
    """

    name: str
    source: Path
    skip: frozenset[str] = frozenset()
    only: frozenset[str] | None = None

    def files(self) -> Iterator[tuple[Path, str]]:
        """(path on disk, name in the archive) of each regular file, links skipped."""
        if not self.source.is_dir():
            return
        for top in sorted(self.source.iterdir()):
            if top.name in self.skip or (self.only is not None and top.name not in self.only):
                continue
            candidates = [top] if not top.is_dir() else sorted(
                p for p in top.rglob("*") if not p.is_dir())
            for path in candidates:
                if path.is_symlink() or not path.is_file():
                    continue  # a link could point anywhere: never followed into a backup
                yield path, f"{self.name}/{path.relative_to(self.source).as_posix()}"


def write_archive(target: Path, areas: Iterable[Area], manifest: dict[str, Any], *,
                  progress: Progress | None = None) -> int:
    """Write the areas into ``target`` (tar.gz) atomically; returns the archive's size.

    Files that change while they are read (the server keeps running) are
    taken as they were when opened: list files are replaced atomically, so
    an open handle sees one whole version.

    Raises:
        ArchiveError: The archive could not be written (disk full, folder not writable).
    """
    entries = [(path, name) for area in areas for path, name in area.files()]
    sizes = []
    for path, _name in entries:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total, done = sum(sizes), 0

    def fill(raw: BinaryIO) -> None:
        nonlocal done
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            body = json.dumps({**manifest, "files": len(entries), "bytes": total},
                              indent=2).encode()
            _add_bytes(tar, MANIFEST, body)
            for (path, name), size in zip(entries, sizes, strict=True):
                _add_file(tar, path, name)
                done += size
                if progress is not None:
                    progress(done, total)

    try:
        atomic_write_with(target, fill)
    except OSError as exc:
        raise ArchiveError(f"cannot write the backup {target}: {exc.strerror or exc}; "
                           "check the free space and that the folder is writable") from exc
    return target.stat().st_size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return  # deleted since it was listed: it is not part of this backup
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = stat.st_mode & 0o755
        tar.addfile(info, _Exactly(handle, stat.st_size))


class _Exactly:
    """``size`` bytes of ``handle``: a file that grew is cut, one that shrank is padded."""

    def __init__(self, handle: Any, size: int) -> None:
        self._handle, self._left = handle, size

    def read(self, n: int = -1) -> bytes:
        want = self._left if n < 0 else min(n, self._left)
        data = self._handle.read(want)
        if len(data) < want:  # truncated while read: keep the archive consistent
            data += b"\0" * (want - len(data))
        self._left -= len(data)
        return data


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of ``archive`` (fast: it is the first member).

    Raises:
        ArchiveError: The file is not a backup archive.
    """
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise ArchiveError(f"{archive.name} is not a Pumpkin Patch backup "
                                   f"(no {MANIFEST} first)")
            handle = tar.extractfile(first)
            assert handle is not None
            data = json.loads(handle.read(1 << 20))
    except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
        raise ArchiveError(f"{archive.name} cannot be read as a backup: {exc}") from exc
    if not isinstance(data, dict):
        raise ArchiveError(f"{archive.name}: its manifest is not a JSON object")
    return data


def unpack_archive(archive: Path, dest: Path, *, areas: Iterable[str], max_bytes: int,
                   progress: Progress | None = None) -> list[str]:
    """Check every member of ``archive`` and unpack it into the empty folder ``dest``.

    Reads the whole archive (so a truncated or corrupt one fails here, not
    half-way through a restore). On any problem ``dest`` may hold part of the
    archive; the caller throws it away. Nothing outside ``dest`` is written.

    Returns:
        The areas the archive holds.

    Raises:
        ArchiveError: Naming the archive, the member and the reason.
    """
    known = set(areas)
    found: set[str] = set()
    written = 0
    root = dest.resolve()
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = member.name
                if name == MANIFEST:
                    continue
                area = _check_member(archive, member, known)
                if member.isfile():
                    written += member.size
                    if written > max_bytes:
                        raise ArchiveError(
                            f"{archive.name} unpacks to more than {max_bytes // (1 << 20)} "
                            "MiB ([backups] max_restore_mb); refused. Raise the limit if "
                            "this archive is yours")
                target = (root / name).resolve()
                if not target.is_relative_to(root):
                    raise ArchiveError(f"{archive.name}: member {name!r} points outside; "
                                       "refused")
                found.add(area)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        out.write(chunk)
                os.chmod(target, (member.mode & 0o755) | 0o600)
                if progress is not None:
                    progress(written, max_bytes)
    except ArchiveError:
        raise
    except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
        # A truncated gzip stream ends in EOFError, a bad CRC in BadGzipFile (OSError).
        why = str(exc) or type(exc).__name__
        raise ArchiveError(f"{archive.name} is damaged or incomplete ({why}); refused, "
                           "nothing was changed") from exc
    return sorted(found)


def _check_member(archive: Path, member: tarfile.TarInfo, known: set[str]) -> str:
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or "\\" in name:
        raise ArchiveError(f"{archive.name}: member {name!r} has an absolute path; refused")
    if ".." in parts:
        raise ArchiveError(f"{archive.name}: member {name!r} climbs out with '..'; refused")
    if not (member.isfile() or member.isdir()):
        raise ArchiveError(f"{archive.name}: member {name!r} is a link or a device; only "
                           "files and folders are restored; refused")
    if not parts or parts[0] not in known:
        raise ArchiveError(f"{archive.name}: member {name!r} is outside the areas a backup "
                           f"holds ({', '.join(sorted(known))}); refused")
    return parts[0]
