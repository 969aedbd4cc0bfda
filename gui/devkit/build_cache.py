"""A build cache for plugin components: one directory per source key, built once.

``<cache_dir>/<key>/<name>.wasm``. Builds are safe to run from several
processes at once (one lock file per key, ``<cache_dir>/.<key>.lock``, held
while building and removed afterwards) and atomic (the builder writes into a
temporary directory inside the cache and the finished file is moved into
place with ``os.replace``); a failed build leaves nothing behind. Used by the
Python SDK builds (sdk_build.py) and the JavaScript ones (js_build.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Never sources: caches, installed packages, hidden files (.git, editors'
# swap files) and built components (``sdk build`` writes NAME.wasm into the
# project by default; hashing it would change the next build's key).
_NOT_SOURCE_DIRS = frozenset({"__pycache__", "node_modules"})
_NOT_SOURCE_SUFFIXES = (".wasm", ".pyc")


def source_files(root: Path) -> list[Path]:
    """The files of a plugin project (or a WIT folder) that a build reads, sorted.

    The one answer to "which files are sources": both build keys hash these
    and ``sdk run`` watches these.
    """
    found = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(p in _NOT_SOURCE_DIRS or p.startswith(".") for p in parts):
            continue
        if path.name.endswith(_NOT_SOURCE_SUFFIXES) or not path.is_file():
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def hash_files(digest: Any, root: Path, files: Iterable[Path]) -> None:
    """Feed each file's path (relative to ``root``) and bytes into ``digest``.

    Length prefixes keep the (name, content) boundaries unambiguous.
    """
    for path in files:
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(8, "big") + rel)
        digest.update(len(data).to_bytes(8, "big") + data)


def cached_build(cache_dir: Path, key: str, name: str,
                 build: Callable[[Path], None]) -> Path:
    """``<cache_dir>/<key>/<name>.wasm``, made by ``build(output)`` unless it exists.

    ``build`` must write the component to the path it is given or raise.
    """
    target = cache_dir / key / f"{name}.wasm"
    if target.is_file():
        log.debug("build cache hit: %s", target)
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _key_lock(cache_dir / f".{key}.lock"):
        if target.is_file():  # another process built it while we waited
            log.debug("build cache hit after waiting: %s", target)
            return target
        # Build inside the cache dir so the final os.replace stays on one filesystem.
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=cache_dir))
        try:
            built = tmp / f"{name}.wasm"
            build(built)
            target.parent.mkdir(exist_ok=True)
            os.replace(built, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("built %s", target)
    return target


@contextlib.contextmanager
def _key_lock(lock_path: Path) -> Iterator[None]:
    """Exclusive lock for one cache key; the lock file is deleted on release.

    Deleting a lock file others may be waiting on is safe only because a waiter
    that wins the lock re-checks that its file is still the one at lock_path
    (same inode), and starts over otherwise.
    """
    while True:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            mine = os.fstat(fd)
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_dev, current.st_ino) == (
            mine.st_dev,
            mine.st_ino,
        ):
            break
        os.close(fd)  # the holder before us removed it: lock the new file
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)  # releases the lock
