"""A plugin blocked in a WASI wait (wasi:io/poll) is stopped at its call deadline.

Epoch interruption only reaches running wasm; a guest waiting inside the
host (``time.sleep``, a fetch() whose TLS handshake never answers) would
otherwise hold the runtime thread, and so every plugin. gui/runtime/wait_gate.py
bounds each wait by the time left: the call ends as a ``deadline`` trap, the
plugin restarts, the server and the other plugins carry on.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
import wasmtime
from wasmtime import component

from gui.plugins import PluginState
from gui.runtime.traps import TrapKind
from gui.runtime.wait_gate import POLL, WASI_P2_VERSION
from tests.harness import Session
from tests.permissions.perm_support import reply, write_config
from tests.sdk_plugins import js_test_plugin, sdk_plugin


def test_the_shadowed_poll_is_the_one_wasmtimes_wasi_defines():
    """The gate's functions go into wasmtime's own wasi:io/poll, beside its resource."""
    config = wasmtime.Config()
    config.wasm_component_model = True
    linker = component.Linker(wasmtime.Engine(config))
    linker.add_wasip2()
    # Only an instance that already holds `poll` refuses a second one.
    with pytest.raises(wasmtime.WasmtimeError, match="defined twice"), linker.root() as root, \
            root.add_instance(f"{POLL}@{WASI_P2_VERSION}") as inst:
        inst.add_func("poll", lambda _store, _pollables: [0])


async def _trap_within(session: Session, name: str, command: str, player: str) -> float:
    """Run ``command``; it must end as a deadline trap. Returns how long it took.

    Usually the deadline comes inside the wait ("still waiting"); on a loaded
    machine it may come in wasm first (the call was slow to reach its wait, or
    a JavaScript guest woke on a timer of its own): a deadline trap all the same.
    Without the gate the call would not end at all (the reply never comes).
    """
    plugin = session.plugins.get(name)
    started = time.monotonic()
    ticks = session.server.ticks.tick_count
    answer = await reply(session, command, player)
    took = time.monotonic() - started
    assert "(deadline)" in answer, answer
    assert plugin.faults and plugin.faults[-1].fault.kind is TrapKind.DEADLINE
    await session.wait_until(lambda: plugin.state is PluginState.RUNNING, what="the restart")
    await session.wait_until(lambda: session.server.ticks.tick_count > ticks + 2)
    return took


@pytest.mark.sdk
def test_a_sleeping_python_plugin_is_stopped_at_its_deadline(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(sdk_plugin("crashy"), sdk_plugin("dice"))
        async with session:
            await session.run("playtest join Bob")
            took = await _trap_within(session, "crashy", "crash sleep", "Bob")
            assert took < 5, took  # time.sleep(600) would have held every plugin
            assert (await reply(session, "roll 6", "Bob")).startswith("Bob rolled")

    asyncio.run(scenario())


@pytest.mark.sdk
def test_a_tls_handshake_that_never_answers_is_stopped_at_the_deadline(paths):
    silent = socket.socket()  # accepts, then never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    port = silent.getsockname()[1]
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(silent.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    write_config(paths, '[plugins]\nallowed_permissions = ["http.outbound"]\n'
                        f'[plugins.overrides.fetcher]\nhttp_hosts = ["127.0.0.1:{port}"]\n')

    async def scenario() -> None:
        session = Session(paths)
        session.install(js_test_plugin("fetcher"))
        async with session:
            await session.run("playtest join Alice")
            took = await _trap_within(session, "fetcher", f"fetch https://127.0.0.1:{port}/",
                                      "Alice")
            assert took < 5, took
            assert held  # the connection was made: the wait was the handshake

    try:
        asyncio.run(scenario())
    finally:
        silent.close()
        for conn in held:
            conn.close()
