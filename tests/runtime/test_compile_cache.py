"""The compile cache: compiles once, writes the artifact straight from wasmtime's buffer."""

from __future__ import annotations

import io

import pytest
import wasmtime

from gui.devkit.wat_build import build_fixture
from gui.runtime.component_bytes import compile_component, write_serialized
from gui.runtime.engine import ComponentCache
from gui.runtime.engine_config import create_engine


def test_artifact_is_wasmtimes_own_serialization_and_loads_back(tmp_path):
    engine = create_engine()
    wasm = build_fixture("echo").read_bytes()
    cache = ComponentCache(engine, tmp_path)
    first = cache.load(wasm)
    assert (first.from_cache, cache.compiles) == (False, 1)
    artifact = cache.artifact_path(first.sha256)
    assert artifact.read_bytes() == bytes(first.component.serialize())
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temp file, then renamed
    again = ComponentCache(engine, tmp_path).load(wasm)
    assert again.from_cache and again.sha256 == first.sha256


def test_zero_copy_helpers_match_wasmtime_py(tmp_path):
    engine = create_engine()
    wasm = build_fixture("echo").read_bytes()
    comp = compile_component(engine, wasm)
    out = io.BytesIO()
    size = write_serialized(comp, out.write)
    assert out.getvalue() == bytes(wasmtime.component.Component(engine, wasm).serialize())
    assert size == len(out.getvalue())
    with pytest.raises(wasmtime.WasmtimeError):
        compile_component(engine, b"\0asm\x0d\x00\x01\x00 broken")
