"""Per-plugin memory, read off /proc/self/maps (gui/runtime/memory.py)."""

from __future__ import annotations

import asyncio
import sys

import pytest
import wasmtime

from gui.devkit.wat_build import build_fixture, core_module_bytes
from gui.runtime import memory
from tests.harness import Session

PAGE = 64 * 1024
GIB = 1 << 30

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/maps")


def test_the_map_parser_finds_memories_and_ignores_malloc_arenas():
    base = 0x7F0000000000
    text = "\n".join([
        f"{base - (32 << 20):x}-{base:x} ---p 00000000 00:00 0",  # guard before
        f"{base:x}-{base + 0x1000:x} rw-p 00000000 00:01 9 /memfd:wasm-memory-image (deleted)",
        f"{base + 0x1000:x}-{base + 0x110000:x} rw-p 00000000 00:00 0",
        f"{base + 0x110000:x}-{base + 4 * GIB + (32 << 20):x} ---p 00000000 00:00 0",
        # a glibc arena: read-write, then 64 MiB inaccessible: not a linear memory
        "7f1000000000-7f1000024000 rw-p 00000000 00:00 0",
        "7f1000024000-7f1004000000 ---p 00000000 00:00 0",
        "7f2000000000-7f2000001000 r-xp 00000000 08:01 42 /usr/lib/libc.so.6",
        "garbage line",
    ])
    assert memory.linear_memories(text) == {base: 0x110000}


@linux_only
def test_a_real_memory_is_found_and_its_growth_seen():
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, """(module (memory (export "m") 17)
        (data (i32.const 0) "hello")
        (func (export "grow") (result i32) (memory.grow (i32.const 3))))""")
    before = memory.bases()
    instance = wasmtime.Instance(store, module, [])
    (mine,) = memory.bases() - before
    assert memory.linear_memories()[mine] == 17 * PAGE
    instance.exports(store)["grow"](store)
    assert memory.linear_memories()[mine] == 20 * PAGE


@linux_only
def test_each_running_plugin_reports_its_own_memory(paths):
    engine = wasmtime.Engine()
    (declared,) = [ext.type for ext in wasmtime.Module(engine, core_module_bytes()).exports
                   if isinstance(ext.type, wasmtime.MemoryType)]

    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("echo"),
                        build_fixture("echo", plugin_name="echo2", command="ping2"))
        async with session:
            first, second = session.plugins.get("echo"), session.plugins.get("echo2")
            await session.plugins.sample_memory()
            assert first.memory_bytes == second.memory_bytes == declared.limits.min * PAGE
            assert first.instance.memory_bases.isdisjoint(second.instance.memory_bases)
            await session.plugins.disable("echo2")
            await session.plugins.sample_memory()
            assert second.memory_bytes is None
            assert first.memory_bytes == declared.limits.min * PAGE

    asyncio.run(scenario())
