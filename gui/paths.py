"""Where Pumpkin Patch keeps its files.

One object, :class:`AppPaths`, answers every "where does X live" question.
By default the folders come from platformdirs (per-user config, data and
cache dirs); ``--basedir DIR`` puts all of them under DIR and
``--temp-basedir`` under a throw-away directory, so tests and experiments
never touch the real profile.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import platformdirs

APP_NAME = "pumpkin-patch"
STAGED_DIR_NAME = ".staged"  # inside the plugins dir: *.wasm there are never loaded as plugins
# Inside the plugin-data root, beside the plugins' own folders but in none of
# them: a plugin name starts with a letter or digit, so no plugin's folder
# (its WASI preopen) is or contains this one.
STORES_DIR_NAME = ".kv"

# A plugin name becomes a file name (<plugins>/<name>.wasm): no separators, no "..".
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def unsafe_name_reason(name: str) -> str | None:
    """Why ``name`` cannot be a plugin (file) name, or None when it can.

    The one name rule: every way of adding a plugin (the manager, ``plugin
    add``, ``market install``, the window) and every place a name becomes a
    path asks it.
    """
    if "/" in name or "\\" in name:
        return f"plugin name {name!r} contains a path separator"
    if ".." in name:
        return f"plugin name {name!r} contains '..'"
    if not SAFE_NAME.match(name):
        return (f"plugin name {name!r} is not usable as a file name (letters, digits, '.', "
                "'_' and '-', starting with a letter or digit, at most 64)")
    return None


@dataclass(frozen=True)
class AppPaths:
    """The folders of one profile."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    temporary: bool = False

    @classmethod
    def user_default(cls) -> AppPaths:
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME)),
        )

    @classmethod
    def under(cls, basedir: Path | str, *, temporary: bool = False) -> AppPaths:
        base = Path(basedir).resolve()
        return cls(base / "config", base / "data", base / "cache", temporary=temporary)

    @classmethod
    def temporary_profile(cls) -> AppPaths:
        return cls.under(tempfile.mkdtemp(prefix="pumpkin-patch-"), temporary=True)

    # The server instance (server.properties, ops.json, logs) lives here.
    @property
    def server_dir(self) -> Path:
        return self.data_dir / "server"

    @property
    def plugins_dir(self) -> Path:
        return self.data_dir / "plugins"

    @property
    def staged_dir(self) -> Path:
        """Where updates held for the admin's review wait (one file per plugin)."""
        return self.plugins_dir / STAGED_DIR_NAME

    def plugin_file(self, name: str) -> Path:
        """The installed .wasm of plugin ``name``: ``<plugins>/<name>.wasm``."""
        return self.plugins_dir / f"{name}.wasm"

    def staged_update(self, name: str) -> Path:
        """The update of ``name`` held for review: ``<plugins>/.staged/<name>.wasm``.

        The file is the one record that an update is held: the manager's
        ``Plugin.pending_update`` is read from it, and the lockfile's ``held``
        counts only while it exists.
        """
        return self.staged_dir / f"{name}.wasm"

    def plugin_data_dir(self, name: str) -> Path:
        """Plugin ``name``'s private data dir (preopened as ``data`` when granted)."""
        return self.plugin_data_root / name

    def plugin_store_file(self, name: str) -> Path:
        """Plugin ``name``'s key-value store (pumpkin-patch:host/storage).

        Beside the plugin's data dir, not in it: only the host writes it, so
        the quota and the storage.kv permission cannot be bypassed through
        fs.write.data. Backed up with the plugin data.
        """
        return self.plugin_data_root / STORES_DIR_NAME / f"{name}.json"

    def remove_plugin_data(self, name: str) -> None:
        """Delete plugin ``name``'s data dir and its key-value store (blocking)."""
        remove_data(self.plugin_data_dir(name), self.plugin_store_file(name))

    def plugin_log_file(self, name: str) -> Path:
        return self.plugin_logs_dir / f"{name}.log"

    @property
    def plugin_data_root(self) -> Path:
        """Parent of each plugin's private data dir (``<root>/<plugin name>``)."""
        return self.data_dir / "plugin-data"

    @property
    def plugin_logs_dir(self) -> Path:
        return self.data_dir / "plugin-logs"

    @property
    def compile_cache_dir(self) -> Path:
        return self.cache_dir / "compiled"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def grants_file(self) -> Path:
        """The admin's permission decisions (gui/permissions/grants.py)."""
        return self.config_dir / "grants.json"

    def ensure(self) -> AppPaths:
        for folder in (self.config_dir, self.data_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def cleanup(self) -> None:
        """Remove a temporary profile; a real profile is never deleted."""
        if self.temporary:
            shutil.rmtree(self.config_dir.parent, ignore_errors=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never a mix."""
    atomic_write_with(path, lambda handle: handle.write(data))


def atomic_write_with(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    """Like :func:`atomic_write_bytes`, with ``fill(handle)`` writing the new contents."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def sha256_of(path: Path) -> str | None:
    """sha256 hex of a file (read in 1 MiB pieces), or None when it does not exist.

    The one file hash: installed plugins, staged updates, journal checks.
    """
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """A file's (mtime ns, size, inode), or None when it cannot be read.

    Watchers compare stamps to notice a change by this process or another; an
    atomic write gives a new inode even within one mtime tick.
    """
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def remove_data(data_dir: Path, store_file: Path) -> None:
    """Delete one plugin's data dir and key-value store, whichever exist (blocking)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    store_file.unlink(missing_ok=True)
