"""Moving values across the plugin boundary: host objects <-> wasmtime values.

wasmtime-py lifts component values into Python (records, ``Variant``,
lists, ``ResourceAny`` handles). Host code wants its own objects instead
(a :class:`~gui.server.players.Player`, a
:class:`~gui.server.text.TextComponent`). :class:`ValueBridge` builds, once
per WIT type, a converter that walks only the parts of a value that hold
resources and swaps handles for objects (guest -> host) or objects for fresh
handles in the plugin's :class:`~gui.runtime.resources.HandleTable`
(host -> guest). Types without resources pass through untouched.

Results and untagged variants follow wasmtime-py's convention: when the
cases are distinguishable by Python type the value is the bare payload,
otherwise a ``Variant`` (see :mod:`gui.runtime.codec`). On the host side a
result holding resources is always written as ``Variant("ok" | "err", payload)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wasmtime import Storelike
from wasmtime.component import (
    BorrowType,
    ListType,
    OptionType,
    OwnType,
    Record,
    ResourceAny,
    ResourceHost,
    ResourceType,
    ResultType,
    TupleType,
    ValType,
    Variant,
    VariantType,
)

from gui.runtime import codec, frozen_types
from gui.runtime.resources import HandleTable

Converter = Callable[[Storelike, Any], Any]


class ResourceCatalog:
    """The resource types of one component, each mapped to its host id.

    Built while linking; wasmtime compares resource types with ``==`` only,
    so lookups are linear over the (~170) distinct types, cached per object.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[ResourceType, int, str]] = []

    def add(self, rtype: ResourceType, host_id: int, canonical: str) -> None:
        self._entries.append((rtype, host_id, canonical))

    def find(self, rtype: ResourceType) -> tuple[int, str] | None:
        for known, host_id, canonical in self._entries:
            if known == rtype:
                return host_id, canonical
        return None


class ValueBridge:
    """Per-plugin conversion between host objects and guest values.

    The normal (fast) way binds the resource nodes of each frozen type to the
    plugin's handle table (:func:`gui.runtime.codec.bind_resources`), so the
    codec itself produces host objects and no extra pass is needed. ``plain``
    keeps wasmtime-py's own resource handling and converts in a Python pass
    over the value (:meth:`lift` / :meth:`lower`); only the benchmarks'
    baseline uses it.
    """

    def __init__(self, table: HandleTable, catalog: ResourceCatalog, *,
                 plain: bool = False) -> None:
        self.table = table
        self.catalog = catalog
        self.plain = plain

    def host_id(self, rtype: Any) -> int:
        found = self.catalog.find(rtype)
        if found is None:
            raise TypeError("resource type is not one of this component's imports")
        return found[0]

    def prepare(self, ty: ValType | None, *, to_guest: bool) -> tuple[Any, Converter | None]:
        """The frozen type to convert with, and the extra pass a plain bridge needs."""
        if not self.plain:
            return codec.bind_resources(ty, self.table, self.host_id), None
        frozen = frozen_types.freeze(ty)
        return frozen, (self.lower(frozen) if to_guest else self.lift(frozen))

    # -- guest -> host ---------------------------------------------------------------
    def lift(self, ty: ValType | None) -> Converter | None:
        """Converter for a value arriving from the guest, or None if none is needed."""
        if ty is None:
            return None
        if isinstance(ty, OwnType | BorrowType):
            owned = isinstance(ty, OwnType)
            table = self.table

            def take(store: Storelike, value: ResourceAny) -> Any:
                host = value.to_host(store)  # also releases a borrow, exactly once
                return table.take(host.rep) if owned else table.get(host.rep)

            return take
        return self._structural(ty, self.lift, to_guest=False)

    # -- host -> guest ---------------------------------------------------------------
    def lower(self, ty: ValType | None) -> Converter | None:
        """Converter for a host value going to the guest, or None if none is needed."""
        if ty is None:
            return None
        if isinstance(ty, OwnType | BorrowType):
            found = self.catalog.find(ty.ty)
            if found is None:
                raise TypeError("resource type is not one of this component's imports")
            host_id = found[0]
            table = self.table
            make = ResourceHost.own if isinstance(ty, OwnType) else ResourceHost.borrow

            lent = isinstance(ty, BorrowType)

            def give(store: Storelike, obj: Any) -> ResourceHost:
                if isinstance(obj, ResourceHost | ResourceAny):
                    return obj
                rep = table.issue(obj)
                if lent:
                    codec.lent_now(table, rep)
                return make(rep, host_id)

            return give
        return self._structural(ty, self.lower, to_guest=True)

    # -- shared structure walk -------------------------------------------------------
    def _structural(
        self, ty: ValType, recurse: Callable[[ValType | None], Converter | None], *,
        to_guest: bool,
    ) -> Converter | None:
        frozen_types.freeze(ty)
        if isinstance(ty, ListType):
            element = recurse(ty.element)
            if element is None:
                return None
            return lambda store, value: [element(store, item) for item in value]
        if isinstance(ty, TupleType):
            parts = [recurse(t) for t in ty.elements]
            if not any(parts):
                return None
            return lambda store, value: tuple(
                conv(store, item) if conv else item for conv, item in zip(parts, value, strict=True)
            )
        if isinstance(ty, OptionType):
            payload = recurse(ty.payload)
            if payload is None:
                return None
            return lambda store, value: None if value is None else payload(store, value)
        if hasattr(ty, "fields"):  # RecordType
            fields = [(name, recurse(fty)) for name, fty in ty.fields]
            if not any(conv for _, conv in fields):
                return None

            def record(store: Storelike, value: Any) -> Record:
                out = Record()
                for name, conv in fields:
                    item = getattr(value, name)
                    setattr(out, name, conv(store, item) if conv else item)
                return out

            return record
        if isinstance(ty, VariantType | ResultType):
            cases = frozen_types.variant_cases(ty)
            convs = {name: recurse(cty) for name, cty in cases}
            tagged = frozen_types.is_tagged(ty)
            # Host code may name the case of an untagged result (hostapi.values
            # ok/err); wasmtime-py's own conversion wants the bare payload.
            unspell = to_guest and not tagged and frozen_types.is_spellable(ty)
            if not any(convs.values()) and not unspell:
                return None

            def variant(store: Storelike, value: Any) -> Any:
                if frozen_types.names_its_case(ty, value):
                    tag, payload = value.tag, value.payload
                else:
                    tag, payload = frozen_types.untagged_case(ty, value), value
                conv = convs[tag]
                if conv is not None and payload is not None:
                    payload = conv(store, payload)
                return Variant(tag, payload) if tagged else payload

            return variant
        return None

