"""Host resources handed to plugins: ids per resource type and per-plugin handle tables.

A plugin never sees a host object, only a handle (``rep``) in its own
:class:`HandleTable`. Unloading a plugin drops its table, and with it every
player, text component or command tree the plugin still held.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from wasmtime import component


class ResourceTypeIds:
    """Stable host ids for resource types, by canonical name (``text#text-component``).

    The same WIT resource appears in every interface that ``use``s it; all
    those occurrences must share one host ``ResourceType``. Ids are process
    wide so host functions can build handles without knowing the component.
    """

    _lock = threading.Lock()
    _ids: dict[str, int] = {}  # noqa: RUF012 - deliberately process wide
    _next = itertools.count(1)

    @classmethod
    def id_for(cls, canonical: str) -> int:
        with cls._lock:
            if canonical not in cls._ids:
                new_id = next(cls._next)
                cls._ids[canonical] = new_id
            return cls._ids[canonical]


    @classmethod
    def host_type(cls, canonical: str) -> component.ResourceType:
        return component.ResourceType.host(cls.id_for(canonical))


class StaleHandle(LookupError):
    """A plugin used a handle that does not exist (already dropped, or never issued)."""


class HandleTable:
    """The host objects one plugin currently holds, by rep."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._objects: dict[int, Any] = {}
        self._next = itertools.count(1)

    def issue(self, obj: Any) -> int:
        rep = next(self._next)
        self._objects[rep] = obj
        return rep

    def get(self, rep: int) -> Any:
        try:
            return self._objects[rep]
        except KeyError:
            raise StaleHandle(f"plugin {self.owner!r} used unknown handle {rep}") from None

    def take(self, rep: int) -> Any:
        """Remove and return: ownership moved back to the host."""
        try:
            return self._objects.pop(rep)
        except KeyError:
            raise StaleHandle(f"plugin {self.owner!r} used unknown handle {rep}") from None

    def drop(self, rep: int) -> None:
        self._objects.pop(rep, None)

    def clear(self) -> None:
        self._objects.clear()

    def __len__(self) -> int:
        return len(self._objects)
