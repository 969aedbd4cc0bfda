"""Blocking waits (``wasi:io/poll``) end at the plugin's call deadline.

Every guest call has a deadline, enforced by epoch interruption: but the
epoch is only checked while wasm runs. A guest blocked inside a host call
(``poll`` or ``pollable.block``: waiting for a fetch() answer, a timer, a
stream) is not running wasm, so without this a host that accepts a
connection and then stays silent (a stalled TLS handshake never times out in
wasmtime's client) would hold the runtime thread, and so every plugin, for as
long as the socket lives; a plugin's ``time.sleep(60)`` would do the same.

For a component that imports ``wasi:io/poll``, :class:`WaitGate` shadows
both functions: each wait is the real ``poll`` over the guest's pollables
plus a timer for the time left before the call's deadline, made by the
small gate component in ``wait_gate.wat`` (instantiated in the plugin's own
Store, so the pollables are shared). When the timer comes first the call
fails as a deadline trap (:class:`WaitPastDeadline`), as if the epoch had
fired: the plugin is restarted by the fault policy and the thread is free.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import component

from gui.errors import PumpkinPatchError

POLL = "wasi:io/poll"
# The version wasmtime's own WASI (``Linker.add_wasip2``) defines, pinned with
# wasmtime: the shadowing functions go into that very instance, beside its
# ``pollable`` resource, and every ``wasi:io/poll@0.2.*`` import resolves to it.
# (An instance under another version would be a second, resource-less one.)
WASI_P2_VERSION = "0.2.12"
_GATE_WAT = Path(__file__).with_name("wait_gate.wat")

# Seconds left before the running call's deadline (negative once it passed).
TimeLeft = Callable[[], float]


class WaitPastDeadline(PumpkinPatchError):
    """A plugin was still waiting in wasi:io/poll when its call deadline came."""


def imports_poll(import_names: Iterable[str]) -> bool:
    """Whether a component imports ``wasi:io/poll`` (so it can block in a wait)."""
    return any(name.split("@", 1)[0] == POLL for name in import_names)


@lru_cache(maxsize=4)
def _gate_parts(engine: wasmtime.Engine) -> tuple[component.Component, component.Linker]:
    gate = component.Component(engine, _GATE_WAT.read_text(encoding="utf-8"))
    linker = component.Linker(engine)
    linker.add_wasip2()
    return gate, linker


class WaitGate:
    """The shadowing ``poll`` and ``pollable.block`` of one linked plugin.

    Like :class:`gui.runtime.http_gate.OutgoingGate`, it outlives instances:
    each new Store gets its own gate instance (:meth:`arm`), with the clock of
    the instance's calls.
    """

    def __init__(self, plugin: str) -> None:
        self.plugin = plugin
        self._poll_within: component.Func | None = None
        self._time_left: TimeLeft = lambda: 0.0

    def link(self, linker: component.Linker) -> None:
        """Replace ``poll`` and ``[method]pollable.block`` in the linker's wasi:io/poll."""
        linker.allow_shadowing = True
        with linker.root() as root, root.add_instance(f"{POLL}@{WASI_P2_VERSION}") as inst:
            inst.add_func("poll", self._poll)
            inst.add_func("[method]pollable.block", self._block)
        linker.allow_shadowing = False

    def arm(self, store: wasmtime.Store, time_left: TimeLeft) -> None:
        """Give ``store`` this gate's helper instance; ``time_left`` reads the call's clock."""
        gate, linker = _gate_parts(store.engine)
        func = linker.instantiate(store, gate).get_func(store, "poll-within")
        if func is None:  # wait_gate.wat exports it
            raise RuntimeError(f"{_GATE_WAT.name} lacks its export")
        self._poll_within = func
        self._time_left = time_left

    def _wait(self, store: Any, pollables: list[Any]) -> list[int]:
        func = self._poll_within
        if func is None:  # never armed: cannot happen for a linked instance
            raise WaitPastDeadline(f"plugin {self.plugin!r} waited outside a call")
        left_ns = max(0, int(self._time_left() * 1_000_000_000))
        try:
            ready = list(func(store, pollables, left_ns))
            func.post_return(store)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            if self._time_left() > 0:
                raise
            # The epoch deadline, passing just as the timer fired, met the gate's
            # own wasm on its way out: the same deadline, reached in the wait.
            raise self._past_deadline() from exc
        finally:
            for pollable in pollables:  # a borrow a host function receives ends here
                with contextlib.suppress(wasmtime.WasmtimeError):
                    pollable.drop(store)
        count = len(pollables)
        ready = [index for index in ready if index < count]
        if not ready:
            raise self._past_deadline()
        return ready

    def _past_deadline(self) -> WaitPastDeadline:
        return WaitPastDeadline(
            f"plugin {self.plugin!r} was still waiting (wasi:io/poll: an HTTP answer, a "
            "timer or a stream) when its call deadline came")

    def _poll(self, store: Any, pollables: list[Any]) -> list[int]:
        return self._wait(store, pollables)

    def _block(self, store: Any, pollable: Any) -> None:
        self._wait(store, [pollable])

