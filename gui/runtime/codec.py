"""Fast value conversion for guest calls: every type question answered once.

Why this module exists: wasmtime-py converts component values with type
objects that query the C API on every access. ``Func.__call__`` fetches the
function type on every call, and each lower/lift of a variant re-enumerates
all its cases (twice, to decide whether it is "tagged"). Pumpkin's ``event``
variant has 273 cases, so one ``handle-event`` round trip spent ~20 ms just
asking wasmtime what the type looks like.

Types are immutable per component, so :func:`freeze` walks a type tree once
and swaps each node's class for a subclass whose properties return the
cached answers (fields, cases, element, payload, tagged-ness, a tag -> case
table). The C-level conversion code itself stays wasmtime-py's own, which
keeps the memory ownership rules exactly as wasmtime-py implements them.
:class:`PreparedFunc` calls an export with a frozen signature instead of
``Func.__call__``.

This is the ONE module that reaches into wasmtime-py internals
(``_cases``/``_tagged``/``_lower``/``_lift``, ``Func._func``,
``store._context()``, ``component._enter.enter_wasm``, ``wasmtime._ffi``).
wasmtime is pinned exactly in pyproject.toml; tests/runtime/test_codec.py
checks these internals and round-trips every kind of value through a real
component, so a wasmtime-py upgrade that changes them fails loudly there.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

from wasmtime import Storelike, WasmtimeError
from wasmtime import _bindings as raw  # internal: the ctypes functions, minus a wrapper frame
from wasmtime import _ffi as ffi  # internal: the C API bindings wasmtime-py itself uses
from wasmtime._slab import Slab  # internal: thread-safe handle table for C callbacks
from wasmtime.component import (
    BorrowType,
    Func,
    LinkerInstance,
    ListType,
    OptionType,
    OwnType,
    RecordType,
    ResourceAny,
    ResourceHost,
    ResourceType,
    ResultType,
    TupleType,
    ValType,
    Variant,
    VariantType,
)
from wasmtime.component._enter import catch_exceptions, enter_wasm  # internal
from wasmtime.component._types import U8, VariantLikeType

# -- frozen type nodes --------------------------------------------------------------------


class _FrozenList(ListType):
    @property
    def element(self) -> ValType:
        return self._pp_element  # type: ignore[attr-defined]

    def _is_bytes(self) -> bool:
        return self._pp_bytes  # type: ignore[attr-defined]


class _FrozenRecord(RecordType):
    @property
    def fields(self) -> list[tuple[str, ValType]]:
        return self._pp_fields  # type: ignore[attr-defined]


class _FrozenTuple(TupleType):
    @property
    def elements(self) -> list[ValType]:
        return self._pp_elements  # type: ignore[attr-defined]


class _FrozenCases:
    """Methods for variant-like types: cached cases and O(1) tag lookup.

    Copied onto each frozen class below rather than mixed in: a mixin base
    changes the instance layout and ``__class__`` assignment refuses it.
    """

    _pp_cases: list[tuple[str, ValType | None]]
    _pp_by_tag: dict[str, ValType | None]
    _pp_tagged: bool
    _pp_classes: list[tuple[str, ValType | None, tuple[type, ...]]]
    _pp_resource_cases: list[tuple[str, ValType]]
    _pp_spellable: bool

    def _cases(self) -> list[tuple[str, ValType | None]]:
        return self._pp_cases

    def _tagged(self) -> bool:
        return self._pp_tagged

    def _lower(self, store: Storelike, val: Any) -> tuple[str, Any]:
        if self._pp_tagged:
            if not isinstance(val, Variant):
                raise TypeError("expected Variant type")
            name, payload = val.tag, val.payload
            if name not in self._pp_by_tag:
                raise ValueError(f"no case {name!r} in this variant")
            ty = self._pp_by_tag[name]
        elif self._pp_spellable and isinstance(val, Variant) and val.tag in self._pp_by_tag:
            # Host code may spell a case out, e.g. Variant("err", message), where
            # no case's payload is itself a Variant (else it is that payload).
            name, payload = val.tag, val.payload
            ty = self._pp_by_tag[name]
        else:
            name, ty = _untagged_case(self, val)
            payload = val
        if ty is None:
            return (name, None)
        raw = ffi.wasmtime_component_val_t()
        ty.convert_to_c(store, payload, ctypes.pointer(raw))
        return (name, ffi.wasmtime_component_val_new(ctypes.byref(raw)))

    def _lift(self, tag: str, ptr: Any) -> Any:
        try:
            ty = self._pp_by_tag[tag]
        except KeyError:
            raise ValueError(f"tag {tag} not found in variant cases") from None
        if ty is None:
            return Variant(tag) if self._pp_tagged else None
        payload = ty.convert_from_c(ptr.contents)
        ptr.contents.kind = ffi.WASMTIME_COMPONENT_BOOL
        ptr.contents.of.boolean = False
        ffi.wasmtime_component_val_delete(ptr)
        return Variant(tag, payload) if self._pp_tagged else payload


class _FrozenVariant(VariantType):
    @property
    def cases(self) -> list[tuple[str, ValType | None]]:
        return self._pp_cases


class _FrozenOption(OptionType):
    @property
    def payload(self) -> ValType:
        return self._pp_payload  # type: ignore[attr-defined]


class _FrozenResult(ResultType):
    @property
    def ok(self) -> ValType | None:
        return self._pp_ok  # type: ignore[attr-defined]

    @property
    def err(self) -> ValType | None:
        return self._pp_err  # type: ignore[attr-defined]


for _frozen in (_FrozenVariant, _FrozenOption, _FrozenResult):
    for _name in ("_cases", "_tagged", "_lower", "_lift"):
        setattr(_frozen, _name, getattr(_FrozenCases, _name))


def _classes(ty: ValType | None) -> set[type]:
    found: set[type] = set()
    if ty is None:
        found.add(object)
    else:
        ty.add_classes(found)
    return found


def _freeze_cases(node: Any, cases: list[tuple[str, ValType | None]]) -> None:
    node._pp_cases = cases
    node._pp_by_tag = dict(cases)
    seen: set[type] = set()
    tagged = False
    for _, cty in cases:
        classes = _classes(cty)
        if classes & seen:
            tagged = True
        seen |= classes
    node._pp_tagged = tagged
    node._pp_classes = [(name, cty, tuple(_classes(cty))) for name, cty in cases
                        if not isinstance(cty, OwnType | BorrowType)]
    node._pp_spellable = not any(Variant in classes for _, _, classes in node._pp_classes)
    # A bound resource case holds a host object of any class: tried last.
    node._pp_resource_cases = [(name, cty) for name, cty in cases
                               if isinstance(cty, OwnType | BorrowType)]


def _untagged_case(node: Any, value: Any) -> tuple[str, ValType | None]:
    for name, cty, classes in node._pp_classes:
        if cty is None:
            if value is None:
                return name, None
        elif isinstance(value, classes):
            return name, cty
    if value is not None:
        for name, cty in node._pp_resource_cases:
            return name, cty
    raise ValueError(f"value {value!r} is valid for no case of this variant")


def freeze(ty: ValType | None) -> ValType | None:
    """Return ``ty`` with every type question precomputed (the same object, reclassed)."""
    if ty is None or getattr(ty, "_pp_frozen", False):
        return ty
    if isinstance(ty, ListType):
        element = freeze(ty.element)
        ty.__class__ = _FrozenList
        ty._pp_element = element  # type: ignore[attr-defined]
        ty._pp_bytes = isinstance(element, U8)  # type: ignore[attr-defined]
    elif isinstance(ty, RecordType):
        fields = [(name, freeze(fty)) for name, fty in ty.fields]
        ty.__class__ = _FrozenRecord
        ty._pp_fields = fields  # type: ignore[attr-defined]
    elif isinstance(ty, TupleType):
        elements = [freeze(t) for t in ty.elements]
        ty.__class__ = _FrozenTuple
        ty._pp_elements = elements  # type: ignore[attr-defined]
    elif isinstance(ty, VariantType):
        cases = [(name, freeze(cty)) for name, cty in ty.cases]
        ty.__class__ = _FrozenVariant
        _freeze_cases(ty, cases)
    elif isinstance(ty, OptionType):
        payload = freeze(ty.payload)
        ty.__class__ = _FrozenOption
        ty._pp_payload = payload  # type: ignore[attr-defined]
        _freeze_cases(ty, [("none", None), ("some", payload)])
    elif isinstance(ty, ResultType):
        ok, err = freeze(ty.ok), freeze(ty.err)
        ty.__class__ = _FrozenResult
        ty._pp_ok, ty._pp_err = ok, err  # type: ignore[attr-defined]
        _freeze_cases(ty, [("ok", ok), ("err", err)])
    elif isinstance(ty, OwnType | BorrowType):
        pass  # a dataclass holding the resource type; nothing to ask at call time
    ty._pp_frozen = True  # type: ignore[attr-defined]
    return ty


# -- host resources -----------------------------------------------------------------------
#
# wasmtime-py hands resources over as ResourceHost/ResourceAny objects: four
# wrapper objects and a finalizer per handle and direction, ~65 us per
# player in a chat event's recipient list. A bound resource node converts
# straight between a host object (a Player, a TextComponent) and the C
# handle, through the plugin's handle table, with the raw C calls.

# Lifting a resource needs the store; convert_from_c is not given one. Every
# entry into guest code (PreparedFunc) and every host callback pushes its
# store context here. Runtime thread only.
_CONTEXTS: list[Any] = []

_host_new = raw._wasmtime_component_resource_host_new
_host_rep = raw._wasmtime_component_resource_host_rep
_host_delete = raw._wasmtime_component_resource_host_delete
_host_to_any = raw._wasmtime_component_resource_host_to_any
_any_to_host = raw._wasmtime_component_resource_any_to_host
_any_delete = raw._wasmtime_component_resource_any_delete
_RESOURCE = ffi.WASMTIME_COMPONENT_RESOURCE

# Handles lent to the guest as `borrow` during a call: (table, rep). The guest
# never drops a borrow, so the caller releases them when the call returns
# (see release_lent). Runtime thread only.
_LENT: list[tuple[Any, int]] = []


def lent_now(table: Any, rep: int) -> None:
    """Record a handle lent to the guest for the current call."""
    _LENT.append((table, rep))


def lent_mark() -> int:
    return len(_LENT)


def release_lent(mark: int) -> None:
    """Drop the handles lent since ``mark`` (the call that borrowed them is over)."""
    while len(_LENT) > mark:
        table, rep = _LENT.pop()
        table.drop(rep)


_AnyPtr = ctypes.POINTER(ffi.wasmtime_component_resource_any_t)
_HostPtr = ctypes.POINTER(ffi.wasmtime_component_resource_host_t)
_byref = ctypes.byref


class _BoundResource:
    """convert_to_c / convert_from_c for host resources of one plugin."""

    _pp_table: Any
    _pp_type_id: int
    _pp_owned: bool

    def convert_to_c(self, store: Storelike, val: Any, ptr: Any) -> None:
        if isinstance(val, ResourceHost | ResourceAny):
            base = OwnType if self._pp_owned else BorrowType
            base.convert_to_c(self, store, val, ptr)  # wasmtime-py's own
            return
        rep = self._pp_table.issue(val)
        if not self._pp_owned:
            lent_now(self._pp_table, rep)
        host = _host_new(self._pp_owned, rep, self._pp_type_id)
        handle = _AnyPtr()
        err = _host_to_any(store._context(), host, _byref(handle))
        _host_delete(host)
        if err:
            raise WasmtimeError._from_ptr(err)
        out = ptr.contents
        out.kind = _RESOURCE
        out.of.resource = handle

    def convert_from_c(self, c: Any) -> Any:
        # Take the handle out of the value (the caller deletes the value after).
        handle = ctypes.cast(c.of.resource, _AnyPtr)
        c.of.resource = None
        host = _HostPtr()
        err = _any_to_host(_CONTEXTS[-1], handle, _byref(host))  # also releases a borrow
        _any_delete(handle)
        if err:
            raise WasmtimeError._from_ptr(err)
        rep = _host_rep(host)
        _host_delete(host)
        if self._pp_owned:
            return self._pp_table.take(rep)
        return self._pp_table.get(rep)


class _BoundOwn(OwnType):
    pass


class _BoundBorrow(BorrowType):
    pass


for _bound in (_BoundOwn, _BoundBorrow):
    _bound.convert_to_c = _BoundResource.convert_to_c  # type: ignore[method-assign]
    _bound.convert_from_c = _BoundResource.convert_from_c  # type: ignore[method-assign]


def bind_resources(ty: ValType | None, table: Any,
                   host_id: Callable[[ResourceType], int]) -> ValType | None:
    """Freeze ``ty`` and make its resource nodes convert host objects via ``table``.

    ``host_id`` maps the component's resource type to the host type id.
    """
    node = freeze(ty)
    if node is None or getattr(node, "_pp_bound", False):
        return node
    node._pp_bound = True  # type: ignore[attr-defined]
    if isinstance(node, OwnType | BorrowType):
        owned = isinstance(node, OwnType)
        node.__class__ = _BoundOwn if owned else _BoundBorrow
        node._pp_table = table  # type: ignore[attr-defined]
        node._pp_type_id = host_id(node.ty)  # type: ignore[attr-defined]
        node._pp_owned = owned  # type: ignore[attr-defined]
    elif isinstance(node, ListType):
        bind_resources(node.element, table, host_id)
    elif isinstance(node, RecordType):
        for _, fty in node.fields:
            bind_resources(fty, table, host_id)
    elif isinstance(node, TupleType):
        for ety in node.elements:
            bind_resources(ety, table, host_id)
    elif isinstance(node, VariantType | OptionType | ResultType):
        for _, cty in node._pp_cases:  # type: ignore[attr-defined]
            bind_resources(cty, table, host_id)
    return node


# -- calling exports ----------------------------------------------------------------------


class PreparedFunc:
    """An export called with a signature frozen once, instead of ``Func.__call__``."""

    def __init__(self, func: Func, params: list[ValType], result: ValType | None) -> None:
        """``params``/``result`` should be frozen already (freezing is per component)."""
        self._func = func
        self._params = [freeze(p) for p in params]
        self._result = freeze(result)
        self._count = len(params)

    def __call__(self, store: Storelike, *args: Any) -> Any:
        if len(args) != self._count:
            raise TypeError(f"expected {self._count} arguments, got {len(args)}")
        params = (ffi.wasmtime_component_val_t * self._count)()
        lowered = 0
        try:
            for ty, value in zip(self._params, args, strict=True):
                ty.convert_to_c(store, value, ctypes.pointer(params[lowered]))
                lowered += 1
            if self._result is not None:
                space = ffi.wasmtime_component_val_t()
                result_ptr: Any = ctypes.byref(space)
                result_len = 1
            else:
                space, result_ptr, result_len = None, None, 0
            func_raw = ctypes.byref(self._func._func)
            context = store._context()
            _CONTEXTS.append(context)
            try:
                enter_wasm(lambda: ffi.wasmtime_component_func_call(
                    func_raw, context, params, lowered, result_ptr, result_len))
                if self._result is None:
                    return None
                return self._result.convert_from_c(space)
            finally:
                _CONTEXTS.pop()
        finally:
            for i in range(lowered):
                ffi.wasmtime_component_val_delete(ctypes.byref(params[i]))


def internals_present() -> list[str]:
    """Names of the wasmtime-py internals this module relies on that are missing."""
    missing = []
    for owner, name in (
        (VariantLikeType, "_cases"), (VariantLikeType, "_tagged"), (VariantLikeType, "_lower"),
        (VariantLikeType, "_lift"), (ListType, "_is_bytes"), (ffi, "wasmtime_component_func_call"),
        (ffi, "wasmtime_component_val_t"), (ffi, "wasmtime_component_val_new"),
        (ffi, "wasmtime_component_val_delete"), (ffi, "wasmtime_component_func_callback_t"),
        (ffi, "wasmtime_component_linker_instance_add_func"),
        (LinkerInstance, "_assert_not_locked"),
        (raw, "_wasmtime_component_resource_host_new"),
        (raw, "_wasmtime_component_resource_any_to_host"),
    ):
        if not hasattr(owner, name):
            missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
    return missing


# -- case tables for other host code (the resource bridge) ---------------------------------


def variant_cases(ty: ValType) -> list[tuple[str, ValType | None]]:
    """Cases of a variant, option or result (frozen)."""
    return freeze(ty)._pp_cases  # type: ignore[union-attr]


def is_tagged(ty: ValType) -> bool:
    """Whether wasmtime-py represents values of this variant-like type as ``Variant``."""
    return freeze(ty)._pp_tagged  # type: ignore[union-attr]


def untagged_case(ty: ValType, value: Any) -> str:
    """The case an untagged (bare-payload) value of a variant-like type belongs to."""
    return _untagged_case(freeze(ty), value)[0]


# -- host functions -----------------------------------------------------------------------
#
# wasmtime-py's own trampoline (component/_linker.py func_impl) rebuilds the
# function type from C on every call and converts with fresh type objects.
# This one converts with the frozen types prepared at link time.

_HOST_FUNCS: Slab[tuple[Any, list[ValType], ValType | None]] = Slab()


@ffi.wasmtime_component_func_callback_t
def _host_trampoline(idx, context, _ty_raw, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    def run(store: Any) -> None:
        fn, params, result = _HOST_FUNCS.get(idx or 0)
        _CONTEXTS.append(store._context())
        try:
            value = fn(store, *[ty.convert_from_c(args[i]) for i, ty in enumerate(params)])
            if result is not None:
                result.convert_to_c(store, value, results)
        finally:
            _CONTEXTS.pop()

    return catch_exceptions(context, run)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _host_finalize(idx):  # type: ignore[no-untyped-def]
    if _HOST_FUNCS:
        _HOST_FUNCS.deallocate(idx or 0)


def add_host_func(instance: LinkerInstance, name: str, fn: Any,
                  params: list[ValType], result: ValType | None) -> None:
    """Define ``name`` in a linker instance; ``fn(store, *args)`` gets lifted values.

    ``params``/``result`` are the function's types, frozen (and usually bound).
    """
    instance._assert_not_locked()
    raw_name = name.encode("utf-8")
    idx = _HOST_FUNCS.allocate((fn, params, result))
    err = ffi.wasmtime_component_linker_instance_add_func(
        instance.ptr(), ctypes.create_string_buffer(raw_name), len(raw_name),
        _host_trampoline, idx, _host_finalize)
    if err:
        raise WasmtimeError._from_ptr(err)
