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
from typing import Any

from wasmtime import Storelike, WasmtimeError
from wasmtime import _ffi as ffi  # internal: the C API bindings wasmtime-py itself uses
from wasmtime._slab import Slab  # internal: thread-safe handle table for C callbacks
from wasmtime.component import (
    BorrowType,
    Func,
    FuncType,
    LinkerInstance,
    ListType,
    OptionType,
    OwnType,
    RecordType,
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
        else:
            for name, ty, classes in self._pp_classes:  # noqa: B007 - used after the loop
                if ty is None:
                    if val is None:
                        break
                elif isinstance(val, classes):
                    break
            else:
                raise ValueError("value not valid for this variant")
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
    node._pp_classes = [(name, cty, tuple(_classes(cty))) for name, cty in cases]


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
            enter_wasm(lambda: ffi.wasmtime_component_func_call(
                func_raw, context, params, lowered, result_ptr, result_len))
            if self._result is None:
                return None
            return self._result.convert_from_c(space)
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
    for name, cty, classes in freeze(ty)._pp_classes:  # type: ignore[union-attr]
        if cty is None:
            if value is None:
                return name
        elif isinstance(value, classes):
            return name
    raise ValueError(f"value {value!r} matches no case")


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
        value = fn(store, *[ty.convert_from_c(args[i]) for i, ty in enumerate(params)])
        if result is not None:
            result.convert_to_c(store, value, results)

    return catch_exceptions(context, run)


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _host_finalize(idx):  # type: ignore[no-untyped-def]
    if _HOST_FUNCS:
        _HOST_FUNCS.deallocate(idx or 0)


def add_host_func(instance: LinkerInstance, name: str, fn: Any, ty: FuncType) -> None:
    """Define ``name`` in a linker instance; ``fn(store, *args)`` gets lifted values."""
    params = [freeze(pty) for _, pty in ty.params]
    result = freeze(ty.result)
    instance._assert_not_locked()
    raw_name = name.encode("utf-8")
    idx = _HOST_FUNCS.allocate((fn, params, result))
    err = ffi.wasmtime_component_linker_instance_add_func(
        instance.ptr(), ctypes.create_string_buffer(raw_name), len(raw_name),
        _host_trampoline, idx, _host_finalize)
    if err:
        raise WasmtimeError._from_ptr(err)
