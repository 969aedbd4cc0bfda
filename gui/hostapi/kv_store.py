"""A plugin's key-value store on disk: ``AppPaths.plugin_store_file(name)``.

The file lives beside the plugin's data dir, never in it, so only the host
writes it: a plugin with fs.write.data cannot bypass the quota or the
storage.kv permission by writing the file itself.

The whole store is one JSON object (key -> value as base64), small by
design (a quota of 1 MiB by default), rewritten atomically after every
change (:func:`gui.paths.atomic_write_text`): a change that returned is on
disk, and a crash mid-write leaves the previous version. A file that cannot
be read is moved aside as ``<name>.json.corrupt-<time>`` (a new name each
time, never overwriting an earlier one), reported, and the store starts
empty.

Each entry counts its key, its value and :data:`ENTRY_OVERHEAD` bytes
against the quota, so a store of many tiny entries is bounded too (its
Python objects and each rewrite stay near the quota's size).

Used from the runtime thread only (host functions), so it needs no lock.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from gui.paths import atomic_write_text
from gui.runtime.instance import DEFAULT_STORAGE_BYTES

log = logging.getLogger(__name__)

MAX_KEY_BYTES = 256
# Where the first version kept a store: inside the plugin's data dir (moved out once).
LEGACY_FILE_NAME = "storage.kv.json"
ENTRY_OVERHEAD = 32  # bytes each entry counts beyond its key and value (wit/host.wit says so)


class QuotaExceeded(Exception):
    """The change would take the store past its quota."""


class KvStore:
    """The store of one plugin, loaded on first use."""

    def __init__(self, plugin: str, path: Path, quota: int = DEFAULT_STORAGE_BYTES,
                 warn: Callable[[str], None] | None = None, *,
                 legacy: Path | None = None) -> None:
        self.plugin = plugin
        self.path = path
        self._legacy = legacy
        self.quota = quota
        self._warn = warn or log.warning
        self._items: dict[str, bytes] | None = None
        self.used = 0

    @staticmethod
    def key_ok(key: str) -> bool:
        return 0 < len(key.encode("utf-8")) <= MAX_KEY_BYTES

    def _load(self) -> dict[str, bytes]:
        if self._items is not None:
            return self._items
        items: dict[str, bytes] = {}
        self._adopt_legacy()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            for key, value in raw.items():
                items[str(key)] = base64.b64decode(value, validate=True)
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError, ValueError, TypeError, RecursionError,
                binascii.Error) as exc:
            self._set_aside(exc)
            items = {}
        self._items = items
        self.used = sum(entry_size(k, v) for k, v in items.items())
        return items

    def _adopt_legacy(self) -> None:
        legacy = self._legacy
        if legacy is None or self.path.exists() or not legacy.is_file() or legacy.is_symlink():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(legacy, self.path)
        except OSError as exc:
            self._warn(f"storage of plugin {self.plugin!r}: could not move {legacy} to "
                       f"{self.path} ({exc}); the store starts from {self.path}")
        else:
            self._warn(f"storage of plugin {self.plugin!r}: moved {legacy.name} out of its "
                       f"data folder to {self.path}, where only the host writes it")

    def _set_aside(self, problem: Exception) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while kept.exists():
            n += 1
            kept = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            self.path.replace(kept)
            where = f"it was kept as {kept.name}"
        except OSError as move_error:
            where = f"and could not be moved aside ({move_error})"
        self._warn(f"storage of plugin {self.plugin!r}: {self.path} cannot be read "
                   f"({problem}); {where} and the store starts empty")

    def get(self, key: str) -> bytes | None:
        return self._load().get(key)

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self._load() if k.startswith(prefix))

    def put(self, key: str, value: bytes | None) -> None:
        """Set (or, with None, delete) ``key`` and write the store.

        Raises:
            QuotaExceeded: nothing changed.
            OSError: the file could not be written; nothing changed.
        """
        items = self._load()
        old = items.get(key)
        used = self.used - (entry_size(key, old) if old is not None else 0)
        used += entry_size(key, value) if value is not None else 0
        if value is not None and used > self.quota:
            raise QuotaExceeded(key)
        changed = dict(items)
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = bytes(value)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(
            {k: base64.b64encode(v).decode("ascii") for k, v in changed.items()},
            separators=(",", ":")))
        self._items, self.used = changed, used


def entry_size(key: str, value: bytes) -> int:
    """What one entry counts against the quota."""
    return len(key.encode("utf-8")) + len(value) + ENTRY_OVERHEAD
