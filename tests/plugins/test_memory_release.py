"""What a plugin held is freed when it goes, by reference counting alone.

The window freezes old objects (gui/ui/garbage.py) and headless servers
collect the old generation rarely, so anything that needs the cycle
collector stays for minutes, and anything rooted in wasmtime-py's
module-level callback tables stays for good. These tests turn the collector
off and count what is left after an inspection, a removal and an update.
"""

from __future__ import annotations

import asyncio
import gc
import shutil

import wasmtime
from wasmtime import _wasi  # internal: the WASI output callback table

from gui.devkit.wat_build import build_fixture
from gui.plugins.inspect import inspect_file
from gui.runtime.host import LinkedPlugin
from gui.runtime.instance import PluginInstance
from tests.harness import Session

HELD = (PluginInstance, LinkedPlugin, wasmtime.Store, wasmtime.component.Component)


def _alive() -> dict[str, int]:
    found: dict[str, int] = {}
    for obj in gc.get_objects():
        for kind in HELD:
            if isinstance(obj, kind):
                found[kind.__name__] = found.get(kind.__name__, 0) + 1
    return found


def test_inspecting_removing_and_updating_leave_nothing_behind(paths, tmp_path):
    echo = build_fixture("echo")
    newer = tmp_path / "echo-newer.wasm"
    shutil.copyfile(build_fixture("echo", plugin_name="echo", version="0.2.0"), newer)

    async def scenario():
        async with Session(paths) as s:
            await inspect_file(s.core.runtime, echo)  # first use: caches, codecs
            gc.collect()
            before, callbacks = _alive(), len(_wasi.CUSTOM_OUTPUTS.handles)
            gc.disable()
            try:
                found = await inspect_file(s.core.runtime, echo)
                after_inspect = _alive()
                plugin = await s.plugins.add(echo)
                running = (plugin.is_live(), _alive())
                await s.plugins.stage_update("echo", newer)
                updated = (s.plugins.get("echo").metadata.version, _alive())
                await s.plugins.remove("echo")
                del plugin
                after_remove = _alive(), len(_wasi.CUSTOM_OUTPUTS.handles)
            finally:
                gc.enable()
            return found, before, callbacks, after_inspect, running, updated, after_remove

    found, before, callbacks, after_inspect, running, updated, after_remove = asyncio.run(
        scenario())
    def more(counts):
        return {k: n - before.get(k, 0) for k, n in counts.items() if n != before.get(k, 0)}

    assert found.metadata.name == "echo"
    assert more(after_inspect) == {}
    assert running[0] and more(running[1])["PluginInstance"] == 1
    # The replaced version's instance, linker and component are gone, the new one's held.
    assert updated[0] == "0.2.0"
    assert more(updated[1]) == {"PluginInstance": 1, "LinkedPlugin": 1, "Store": 1,
                                "Component": 1}
    assert (more(after_remove[0]), after_remove[1]) == ({}, callbacks)


def test_a_stopped_server_lets_go_of_its_plugins(paths):
    async def scenario():
        gc.collect()
        before = _alive()
        s = Session(paths)
        s.install(build_fixture("echo"))
        async with s:
            loaded = _alive()
        del s
        gc.disable()
        try:
            return before, loaded, _alive()
        finally:
            gc.enable()

    before, loaded, after = asyncio.run(scenario())
    assert loaded.get("LinkedPlugin", 0) == before.get("LinkedPlugin", 0) + 1
    assert after == before
