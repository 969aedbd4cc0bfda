"""Fast value conversion for guest calls: every type question answered once.

Why this module exists: wasmtime-py converts component values with type
objects that query the C API on every access (``Func.__call__`` fetches the
function type on every call; each lower/lift of a variant re-enumerates all
its cases), and it builds the C value tree with ctypes, ~1 us per field.
Pumpkin's ``event`` variant has 273 cases: one ``handle-event`` round trip
took ~10 ms with wasmtime-py's own path.

So: :func:`gui.runtime.frozen_types.freeze` walks a type tree once and swaps
each node's class for a subclass whose properties return cached answers
(fields, cases, element, tagged-ness). :func:`bind_resources` marks the resource nodes with the
plugin's handle table. :func:`plan` turns that tree into a
:class:`gui.runtime._valcodec.Plan` (C, see ``_valcodec.c``) that converts
whole values between Python and wasmtime's C representation in one call,
following wasmtime-py's value conventions exactly. :class:`PreparedFunc`
calls an export with it, :func:`add_host_func` defines host functions with it.

This module, gui/runtime/frozen_types.py (the ``_pp_`` caches on wasmtime-py's
type classes) and gui/runtime/component_bytes.py are the three that reach into
wasmtime-py internals (``Func._func``, ``store._context()``,
``component._enter``, the ctypes functions in ``wasmtime._bindings`` and their
addresses, the C value layout; there: ``wasmtime_component_new`` /
``_serialize`` and ``Component._from_ptr``, for compiling without a copy).
:func:`internals_present` lists every one of them.
wasmtime is pinned exactly in pyproject.toml; ``_valcodec`` refuses to start
when wasmtime-py's declared value layout differs from the one it was written
for, and tests/runtime/test_codec.py round-trips every kind of value through a
real component, so a wasmtime-py upgrade that changes them fails loudly.

Without the C extension (a source install with no compiler, a platform no
wheel is built for) the runtime still works: :func:`native_available` is
False, one warning line says so, host functions are linked through
wasmtime-py's trampoline with a Python pass for resources (``plain`` in
gui/runtime/linking.py), and exports are called with :class:`PythonPreparedFunc`
(wasmtime-py's conversion on the frozen types): slower, same values
(tests/runtime/test_codec_fallback.py runs the round trips that way).
"""

from __future__ import annotations

import ctypes
import importlib
import logging
from collections.abc import Callable
from typing import Any

from wasmtime import Storelike, WasmtimeError
from wasmtime import _bindings as raw  # internal: the ctypes functions, minus a wrapper frame
from wasmtime import _ffi as ffi  # internal: the C API bindings wasmtime-py itself uses
from wasmtime._slab import Slab  # internal: thread-safe handle table for C callbacks
from wasmtime.component import (
    BorrowType,
    Component,
    Func,
    LinkerInstance,
    ListType,
    OptionType,
    OwnType,
    Record,
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
from wasmtime.component._types import (
    F32,
    F64,
    S8,
    S16,
    S32,
    S64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    Char,
    EnumType,
    FlagsType,
    String,
    VariantLikeType,
)

from gui.runtime.frozen_types import freeze

log = logging.getLogger(__name__)

try:
    # import_module, not `from gui.runtime import`: this module is below the package.
    native = importlib.import_module("gui.runtime._valcodec")
except ImportError as _exc:  # no compiled codec for this platform/build: see the docstring
    native = None
    _NATIVE_MISSING: str | None = str(_exc) or type(_exc).__name__
    log.warning("the C value codec (gui.runtime._valcodec) cannot be imported (%s); plugins "
                "run on wasmtime-py's pure-Python value conversion: slower, same results. "
                "Install a pumpkin-patch wheel for this platform, or reinstall with a C "
                "compiler and the Python headers (gcc, python3-dev), to get it back.",
                _NATIVE_MISSING)
else:
    _NATIVE_MISSING = None


def native_available() -> bool:
    """Whether the C codec is in use (False: wasmtime-py's own conversion, see above)."""
    return native is not None


def implementation() -> str:
    """Which value codec runs, in words (``bench`` and ``--version`` print it)."""
    if native is not None:
        return "C extension (gui.runtime._valcodec)"
    return f"pure Python (wasmtime-py's conversion; the C extension is missing: {_NATIVE_MISSING})"

# -- host resources -----------------------------------------------------------------------
#
# wasmtime-py hands resources over as ResourceHost/ResourceAny objects: four
# wrapper objects and a finalizer per handle and direction. A bound resource
# node converts straight between a host object (a Player, a TextComponent)
# and the C handle through the plugin's handle table (in _valcodec); a
# ResourceHost/ResourceAny given by host code still goes through wasmtime-py.

# Handles lent to the guest as `borrow` during a call: (table, rep). The guest
# never drops a borrow, so the caller releases them when the call returns
# (see release_lent). _valcodec appends to this list. Runtime thread only.
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


class _BoundOwn(OwnType):
    """An ``own<T>`` node bound to a plugin's handle table (``_pp_table``, ``_pp_type_id``)."""


class _BoundBorrow(BorrowType):
    """A ``borrow<T>`` node bound to a plugin's handle table."""


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


# -- plans: the C side of a frozen type -------------------------------------------------------

_SCALARS: dict[type, int] = {} if native is None else {
    Bool: native.BOOL, S8: native.S8, U8: native.U8, S16: native.S16, U16: native.U16,
    S32: native.S32, U32: native.U32, S64: native.S64, U64: native.U64, F32: native.F32,
    F64: native.F64, Char: native.CHAR, String: native.STRING,
}


def plan(ty: ValType) -> Any:
    """The :class:`_valcodec.Plan` of a frozen (usually bound) type, built once per node."""
    cached = getattr(ty, "_pp_plan", None)
    if cached is not None:
        return cached
    node = freeze(ty)
    kind = _SCALARS.get(type(node))
    children: tuple[Any, ...] = ()
    names: tuple[str, ...] = ()
    info: Any = None
    if kind is not None:
        pass
    elif isinstance(node, _BoundOwn | _BoundBorrow):
        kind = native.RESOURCE
        info = (node._pp_table, node._pp_type_id, node._pp_owned, node)  # type: ignore[attr-defined]
    elif isinstance(node, ListType):
        if node._pp_bytes:  # type: ignore[attr-defined]
            kind = native.BYTES
        else:
            kind, children = native.LIST, (plan(node.element),)
    elif isinstance(node, RecordType):
        kind = native.RECORD
        names = tuple(name for name, _ in node.fields)
        children = tuple(plan(fty) for _, fty in node.fields)
    elif isinstance(node, TupleType):
        kind, children = native.TUPLE, tuple(plan(ety) for ety in node.elements)
    elif isinstance(node, VariantType | OptionType | ResultType):
        kind = (native.VARIANT if isinstance(node, VariantType)
                else native.OPTION if isinstance(node, OptionType) else native.RESULT)
        cases = node._pp_cases  # type: ignore[attr-defined]
        names = tuple(name for name, _ in cases)
        children = tuple(None if cty is None else plan(cty) for _, cty in cases)
        index = {name: i for i, name in enumerate(names)}
        order = tuple((index[name], None if cty is None else classes)
                      for name, cty, classes in node._pp_classes)  # type: ignore[attr-defined]
        resource_cases = [index[name] for name, _ in node._pp_resource_cases]  # type: ignore[attr-defined]
        info = (node._pp_tagged, node._pp_spellable, order,  # type: ignore[attr-defined]
                resource_cases[0] if resource_cases else -1)
    elif isinstance(node, EnumType):
        kind = native.ENUM
    elif isinstance(node, FlagsType):
        kind = native.FLAGS
    else:  # unbound resources, future/stream/error-context: wasmtime-py's own conversion
        kind, info = native.FALLBACK, node
    made = native.Plan(kind, children, names, info)
    node._pp_plan = made  # type: ignore[attr-defined]
    return made


_ValPtr = ctypes.POINTER(ffi.wasmtime_component_val_t)


def _fallback_lower(ty: ValType, store: Storelike, value: Any, address: int) -> None:
    ty.convert_to_c(store, value, ctypes.cast(address, _ValPtr))


def _fallback_lift(ty: ValType, address: int) -> Any:
    return ty.convert_from_c(ffi.wasmtime_component_val_t.from_address(address))


def _error(address: int) -> WasmtimeError:
    return WasmtimeError._from_ptr(ctypes.cast(address, ctypes.POINTER(ffi.wasmtime_error_t)))


# wasmtime's C functions _valcodec calls, by the name of their ctypes binding.
_NATIVE_FUNCTIONS = [
    "wasm_byte_vec_new", "wasmtime_component_vallist_new_uninit",
    "wasmtime_component_valrecord_new_uninit", "wasmtime_component_valtuple_new_uninit",
    "wasmtime_component_valflags_new_uninit", "wasmtime_component_val_new",
    "wasmtime_component_val_delete", "wasmtime_component_resource_host_new",
    "wasmtime_component_resource_host_to_any", "wasmtime_component_resource_host_delete",
    "wasmtime_component_resource_any_to_host", "wasmtime_component_resource_any_delete",
    "wasmtime_component_resource_host_rep",
]


def _setup_native() -> None:
    functions = {name: ctypes.cast(getattr(raw, f"_{name}"), ctypes.c_void_p).value
                 for name in _NATIVE_FUNCTIONS}
    val, entry = ffi.wasmtime_component_val_t, ffi.wasmtime_component_valrecord_entry
    layout = (ctypes.sizeof(val), val.of.offset, ctypes.sizeof(entry), entry.val.offset)
    native.setup(functions, (Record, Variant, (ResourceHost, ResourceAny), _error,
                             _fallback_lower, _fallback_lift), layout)


if native is not None:
    _setup_native()


# -- calling exports ----------------------------------------------------------------------

_func_call = raw._wasmtime_component_func_call


class PreparedFunc:
    """An export called through plans built once, instead of ``Func.__call__``."""

    def __init__(self, func: Func, params: list[ValType], result: ValType | None) -> None:
        """``params``/``result`` should be frozen (and bound) already: that is per component."""
        self._func = func
        self._raw = ctypes.byref(func._func)
        self._params = tuple(plan(p) for p in params)
        self._results = () if result is None else (plan(result),)
        self._args_type = ffi.wasmtime_component_val_t * len(self._params)
        self._results_type = ffi.wasmtime_component_val_t * len(self._results)
        self._store: Storelike | None = None
        self._context: Any = None

    def __call__(self, store: Storelike, *args: Any) -> Any:
        if store is not self._store:  # a store's context pointer lives as long as the store
            self._store, self._context = store, store._context()
        context = self._context
        params, results = self._args_type(), self._results_type()
        address = ctypes.addressof(params)
        native.lower_into(self._params, args, address, context, store, _LENT)
        try:
            raw_func, count, out, out_count = self._raw, len(args), results, len(self._results)
            enter_wasm(lambda: _func_call(raw_func, context, params, count, out, out_count))
            if not out_count:
                return None
            return native.lift_from(self._results, ctypes.addressof(results), context, True)[0]
        finally:
            native.delete_vals(address, len(args))


class PythonPreparedFunc:
    """An export called without the C codec: wasmtime-py's own conversion, frozen types.

    What ``Func.__call__`` does, minus asking C for the function type on every
    call (the frozen nodes answer from cache), and with the epoch deadline
    (:attr:`deadline`, in ticks) set only once the arguments are lowered: Python
    takes tens of milliseconds to lower Pumpkin's event variant, and that time
    is the host's, not the plugin's.
    """

    def __init__(self, func: Func, params: list[ValType], result: ValType | None) -> None:
        self._func = func
        self._params = tuple(freeze(p) for p in params)
        self._result = freeze(result)
        self.deadline: int | None = None

    def __call__(self, store: Storelike, *args: Any) -> Any:
        count = len(self._params)
        if len(args) != count:
            raise TypeError(f"expected {count} arguments, got {len(args)}")
        params = (ffi.wasmtime_component_val_t * count)()
        lowered = 0
        try:
            for ty, value in zip(self._params, args, strict=True):
                ty.convert_to_c(store, value, ctypes.pointer(params[lowered]))
                lowered += 1
            space = ffi.wasmtime_component_val_t() if self._result is not None else None
            out, out_count = (ctypes.byref(space), 1) if space is not None else (None, 0)
            raw_func, context = ctypes.byref(self._func._func), store._context()
            if self.deadline is not None:
                store.set_epoch_deadline(self.deadline)
            enter_wasm(lambda: _func_call(raw_func, context, params, lowered, out, out_count))
            return None if self._result is None else self._result.convert_from_c(space)
        finally:
            for i in range(lowered):
                ffi.wasmtime_component_val_delete(ctypes.byref(params[i]))


def internals_present() -> list[str]:
    """Names of the wasmtime-py internals this module relies on that are missing."""
    missing = []
    for owner, name in (
        (VariantLikeType, "_cases"), (VariantLikeType, "_tagged"), (ListType, "_is_bytes"),
        (raw, "_wasmtime_component_func_call"), (ffi, "wasmtime_component_val_t"),
        (ffi, "wasmtime_component_valrecord_entry"), (ffi, "wasmtime_component_func_callback_t"),
        (ffi, "wasmtime_component_linker_instance_add_func"), (ffi, "wasmtime_error_t"),
        (LinkerInstance, "_assert_not_locked"), (WasmtimeError, "_from_ptr"),
        (ffi, "wasmtime_component_new"), (ffi, "wasmtime_component_serialize"),
        (ffi, "wasm_byte_vec_t"), (ffi, "wasm_byte_vec_delete"), (Component, "_from_ptr"),
        *((raw, f"_{name}") for name in _NATIVE_FUNCTIONS),
    ):
        if not hasattr(owner, name):
            missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
    return missing


# -- host functions -----------------------------------------------------------------------
#
# wasmtime-py's own trampoline (component/_linker.py func_impl) rebuilds the
# function type from C on every call and converts with fresh type objects.
# This one converts with the plans prepared at link time.

_HOST_FUNCS: Slab[tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = Slab()


@ffi.wasmtime_component_func_callback_t
def _host_trampoline(idx, context, _ty_raw, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    def run(store: Any) -> None:
        fn, params, result = _HOST_FUNCS.get(idx or 0)
        value = fn(store, *native.lift_from(params, args, context, False))
        if result:
            native.lower_into(result, (value,), results, context, store, _LENT)

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
    plans = (tuple(plan(p) for p in params), () if result is None else (plan(result),))
    idx = _HOST_FUNCS.allocate((fn, *plans))
    err = ffi.wasmtime_component_linker_instance_add_func(
        instance.ptr(), ctypes.create_string_buffer(raw_name), len(raw_name),
        _host_trampoline, idx, _host_finalize)
    if err:
        raise WasmtimeError._from_ptr(err)
