"""Compiling and serializing components without a copy under the GIL.

wasmtime-py's Component(engine, wasm) first copies the bytes into a ctypes
array, and Component.serialize() copies the artifact into a bytearray, both
with the GIL held: ~22 ms for a 32 MB plugin and ~30 ms for its 53 MB
artifact on this machine, during which the window and the tick loop cannot
run. wasmtime only reads the input during the (GIL-free) call, and the
artifact can be written straight from wasmtime's buffer.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from wasmtime import Engine, WasmtimeError
from wasmtime import _ffi as ffi  # internal: the C API bindings wasmtime-py itself uses
from wasmtime.component import Component


def compile_component(engine: Engine, wasm: bytes) -> Component:
    """``Component(engine, wasm)``, lending wasmtime the bytes' own buffer.

    Raises:
        WasmtimeError: not a valid component.
    """
    if not isinstance(wasm, bytes):
        wasm = bytes(wasm)
    buffer = ctypes.cast(ctypes.c_char_p(wasm), ctypes.POINTER(ctypes.c_uint8))
    ptr = ctypes.POINTER(ffi.wasmtime_component_t)()
    error = ffi.wasmtime_component_new(engine.ptr(), buffer, len(wasm), ctypes.byref(ptr))
    if error:
        raise WasmtimeError._from_ptr(error)
    return Component._from_ptr(ptr)


def write_serialized(comp: Component, write: Callable[[memoryview], object]) -> int:
    """Serialize ``comp`` and hand the bytes to ``write`` as a view of wasmtime's buffer.

    Returns:
        The artifact's size in bytes.
    """
    vec = ffi.wasm_byte_vec_t()
    error = ffi.wasmtime_component_serialize(comp.ptr(), ctypes.byref(vec))
    if error:
        raise WasmtimeError._from_ptr(error)
    try:
        size = vec.size
        if size:
            array = (ctypes.c_uint8 * size).from_address(ctypes.addressof(vec.data.contents))
            with memoryview(array) as view:
                write(view)
        return size
    finally:
        ffi.wasm_byte_vec_delete(ctypes.byref(vec))
