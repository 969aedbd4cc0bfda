"""Host side of ``pumpkin-patch:host/storage``: the plugin's key-value store (wit/host.wit).

Every call needs ``storage.kv``; without it, and for every other failure,
the plugin gets an ``error`` value (never a trap). The store itself is
:class:`gui.hostapi.kv_store.KvStore`.
"""

from __future__ import annotations

from wasmtime.component import Variant

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.kv_store import LEGACY_FILE_NAME, KvStore, QuotaExceeded
from gui.hostapi.scope import PluginScope
from gui.hostapi.values import err, ok
from gui.runtime.world import HOST_PACKAGE

PERMISSION = "storage.kv"


class StorageApi(HostInterface):
    package = HOST_PACKAGE
    interface = "storage"

    def __init__(self, scope: PluginScope) -> None:
        super().__init__(scope)
        # Reads its file on first use only; its quota is set on each call (_open).
        self._store = KvStore(scope.plugin, scope.store_file,
                              warn=lambda message: scope.log("warn", message),
                              legacy=scope.data_dir / LEGACY_FILE_NAME)

    def _open(self, attempt: str) -> KvStore | None:
        if not self.scope.holds(PERMISSION, f"storage {attempt}"):
            return None
        self._store.quota = self.scope.storage_quota  # the limits of the plugin's last start
        return self._store

    def _keyed(self, attempt: str, key: str) -> KvStore | Variant:
        """The store for a call on ``key``, or the error value that refuses the call."""
        store = self._open(attempt)
        if store is None:
            return err("permission-denied")
        if not store.key_ok(key):
            return err("invalid-key")
        return store

    def _change(self, store: KvStore, key: str, value: bytes | None) -> Variant | None:
        """Write one change; the error value, or None when it is on disk."""
        try:
            store.put(key, value)
        except QuotaExceeded:
            return err("quota-exceeded", store.quota)
        except OSError as exc:
            self.scope.log("error", f"storage: cannot write {store.path}: {exc}")
            return err("io", f"cannot write the store: {exc.strerror or exc}")
        return None

    @wit("get")
    def get(self, key: str) -> Variant:
        store = self._keyed("get", key)
        if isinstance(store, Variant):
            return store
        return ok(store.get(key))

    @wit("set")
    def set(self, key: str, value: bytes) -> Variant:
        store = self._keyed("set", key)
        if isinstance(store, Variant):
            return store
        return self._change(store, key, bytes(value)) or ok()

    @wit("delete")
    def delete(self, key: str) -> Variant:
        store = self._keyed("delete", key)
        if isinstance(store, Variant):
            return store
        if store.get(key) is None:
            return ok(False)
        return self._change(store, key, None) or ok(True)

    @wit("list-keys")
    def list_keys(self, prefix: str) -> Variant:
        store = self._open("list-keys")
        if store is None:
            return err("permission-denied")
        return ok(store.keys(prefix))

    @wit("compare-and-set")
    def compare_and_set(self, key: str, expected: bytes | None, new: bytes | None) -> Variant:
        store = self._keyed("compare-and-set", key)
        if isinstance(store, Variant):
            return store
        current = store.get(key)
        if (None if expected is None else bytes(expected)) != current:
            return ok(False)
        return self._change(store, key, None if new is None else bytes(new)) or ok(True)

    @wit("usage")
    def usage(self) -> Variant:
        store = self._open("usage")
        if store is None:
            return err("permission-denied")
        store.get("")  # loads the store, so `used` is known
        return ok((store.used, store.quota))
