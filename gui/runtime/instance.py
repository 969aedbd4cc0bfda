"""One instantiation of a plugin: its Store, WASI sandbox, limits and exports.

Lives on the runtime thread only (see :mod:`gui.runtime.thread`). After a
trap the component instance cannot be entered again, so the instance is
marked dead; the plugin manager makes a fresh one in a new Store.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import component
from wasmtime.component import ValType

from gui.errors import PumpkinPatchError
from gui.runtime import memory
from gui.runtime.codec import (
    PreparedFunc,
    PythonPreparedFunc,
    lent_mark,
    native_available,
    release_lent,
)
from gui.runtime.engine import deadline_ticks
from gui.runtime.http_gate import HttpAccess, OutgoingGate
from gui.runtime.traps import PluginFault, classify
from gui.runtime.values import Converter, ValueBridge
from gui.runtime.wait_gate import WaitGate
from gui.runtime.world import METADATA_FUNCTION, PACKAGE

log = logging.getLogger(__name__)

MIB = 1024 * 1024


DEFAULT_STORAGE_BYTES = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per-plugin resource limits (configurable per plugin)."""

    memory_bytes: int = 256 * MIB
    load_deadline: float = 5.0  # init-plugin, get-metadata, on-load, on-unload
    call_deadline: float = 0.2  # events, commands, tasks
    storage_bytes: int = DEFAULT_STORAGE_BYTES  # the plugin's key-value store (hostapi/storage.py)


@dataclass(frozen=True)
class Preopen:
    host_path: Path
    guest_path: str
    writable: bool


@dataclass(frozen=True)
class Sandbox:
    """What the plugin may see of the host. Empty by default: no files, no env."""

    env: dict[str, str] = field(default_factory=dict)
    preopens: tuple[Preopen, ...] = ()
    http: HttpAccess = field(default_factory=HttpAccess)


class GuestCallFailed(PumpkinPatchError):
    """A guest call trapped or ran past its deadline; carries the classified fault."""

    def __init__(self, plugin: str, export: str, fault: PluginFault) -> None:
        super().__init__(f"plugin {plugin!r} failed in {export}: {fault.summary()}")
        self.plugin = plugin
        self.export = export
        self.fault = fault


class InstanceDead(PumpkinPatchError):
    """The instance trapped earlier and can no longer be entered."""


@dataclass(frozen=True)
class ExportSignature:
    """One export: where it is, its frozen types, and the resource converters."""

    index: component.ExportIndex
    params: list[ValType]
    result: ValType | None
    lower: list[Converter | None]
    lift: Converter | None


class ExportTable:
    """The plugin-world exports of one linked component, prepared once, on first use.

    Freezing Pumpkin's ``event`` type walks ~9,500 type nodes (~0.2 s). Types
    belong to the component, so every instance of it (restarts included)
    shares this table; and an export is prepared only when first called, so
    loading pays nothing for exports a plugin never receives.
    """

    def __init__(self, engine: wasmtime.Engine, comp: component.Component,
                 bridge: ValueBridge) -> None:
        self._bridge = bridge
        self._found: dict[str, tuple[component.ExportIndex, component.FuncType]] = {}
        self._prepared: dict[str, ExportSignature] = {}
        for name, ext in comp.type.exports(engine).items():
            ty = ext.ty
            if isinstance(ty, component.FuncType):
                index = comp.get_export_index(name)
                if index is not None:
                    self._found[name] = (index, ty)
            elif isinstance(ty, component.ComponentInstanceType) and name.startswith(
                f"{PACKAGE}/metadata@"
            ):
                outer = comp.get_export_index(name)
                inner_ty = ty.exports(engine).get(METADATA_FUNCTION)
                inner = comp.get_export_index(METADATA_FUNCTION, outer) if outer else None
                if inner is not None and isinstance(inner_ty.ty, component.FuncType):
                    self._found[METADATA_FUNCTION] = (inner, inner_ty.ty)

    def __contains__(self, name: str) -> bool:
        return name in self._found

    def signature(self, name: str) -> ExportSignature:
        prepared = self._prepared.get(name)
        if prepared is None:
            index, ty = self._found[name]
            params, lower = [], []
            for _, pty in ty.params:
                frozen, conv = self._bridge.prepare(pty, to_guest=True)
                params.append(frozen)
                lower.append(conv)
            result, lift = self._bridge.prepare(ty.result, to_guest=False)
            prepared = self._prepared[name] = ExportSignature(index, params, result, lower, lift)
        return prepared


OutputSink = Callable[[str], None]


class PluginInstance:
    """A live instance of one plugin component in its own Store."""

    def __init__(
        self,
        name: str,
        engine: wasmtime.Engine,
        comp: component.Component,
        linker: component.Linker,
        exports: ExportTable,
        *,
        limits: Limits,
        sandbox: Sandbox,
        stdout: OutputSink,
        stderr: OutputSink,
        plain: bool = False,
        http: OutgoingGate | None = None,
        waits: WaitGate | None = None,
    ) -> None:
        self.name = name
        self._plain = plain  # benchmarks' baseline: wasmtime-py's own Func.__call__
        self.limits = limits
        self.dead = False
        self.recent_stderr: list[str] = []
        self._stdout = _LineBuffer(stdout)
        self._stderr = _LineBuffer(self._remember_stderr(stderr))
        self.store = wasmtime.Store(engine)
        self.store.set_limits(memory_size=limits.memory_bytes)
        self.store.set_wasi(self._wasi_config(sandbox))
        self.store.set_epoch_deadline(deadline_ticks(limits.load_deadline))
        before = memory.bases()
        # When the running call (or this instantiation) must end, for waits in wasi:io/poll.
        self._deadline_at = time.monotonic() + limits.load_deadline
        try:
            if http is not None:  # before the plugin: its init may already fetch
                http.arm(self.store, sandbox.http, limits.call_deadline)
            if waits is not None:
                waits.arm(self.store, _time_left(weakref.ref(self)))
            self._instance: component.Instance | None = linker.instantiate(self.store, comp)
        except BaseException:
            self._drop_store()  # a refused instance must not keep its Store either
            raise
        # The linear memories this instance made (see gui/runtime/memory.py).
        self.memory_bases = memory.bases() - before
        self._exports = exports
        self._funcs: dict[str, PreparedFunc | PythonPreparedFunc | component.Func] = {}

    def _remember_stderr(self, sink: OutputSink) -> OutputSink:
        # Closes over the list, not self: a cycle through the instance would keep
        # its export table alive until a full garbage collection.
        recent = self.recent_stderr

        def remember(line: str) -> None:
            recent.append(line)
            del recent[:-40]
            sink(line)

        return remember

    def _wasi_config(self, sandbox: Sandbox) -> wasmtime.WasiConfig:
        wasi = wasmtime.WasiConfig()
        wasi.env = list(sandbox.env.items())
        for pre in sandbox.preopens:
            wasi.preopen_dir(str(pre.host_path), pre.guest_path, pre.writable)
        wasi.stdout_custom = self._stdout.feed
        wasi.stderr_custom = self._stderr.feed
        return wasi

    def call(self, export: str, *args: Any, deadline: float | None = None) -> Any:
        """Call an export with host values; returns the host value of the result.

        Raises:
            GuestCallFailed: the guest trapped or ran out of time (instance now dead).
            InstanceDead: the instance trapped before.
        """
        if self.dead:
            raise InstanceDead(f"plugin {self.name!r} instance is dead")
        entry = self._exports.signature(export)
        func = self._funcs.get(export)
        if func is None:
            assert self._instance is not None and self.store is not None  # not dead
            raw = self._instance.get_func(self.store, entry.index)
            if self._plain:
                func = raw
            elif native_available():
                func = PreparedFunc(raw, entry.params, entry.result)
            else:  # no C codec (gui/runtime/codec.py): slower, same values
                func = PythonPreparedFunc(raw, entry.params, entry.result)
            self._funcs[export] = func
        store = self.store
        mark = lent_mark()
        lowered = [conv(store, a) if conv else a
                   for conv, a in zip(entry.lower, args, strict=True)]
        seconds = deadline or self.limits.call_deadline
        ticks = deadline_ticks(seconds)
        store.set_epoch_deadline(ticks)
        self._deadline_at = time.monotonic() + seconds
        if isinstance(func, PythonPreparedFunc):
            func.deadline = ticks  # set again once the arguments are lowered
        try:
            raw = func(store, *lowered)
        except Exception as exc:
            self.dead = True
            self._stderr.flush()
            fault = classify(exc, recent_output="\n".join(self.recent_stderr))
            raise GuestCallFailed(self.name, export, fault) from exc
        finally:
            release_lent(mark)  # borrows end with the call
            self._stdout.flush()
        return entry.lift(store, raw) if entry.lift else raw

    def memory_bytes(self, memories: dict[int, int] | None) -> int | None:
        """Current size of this instance's linear memories, from one memory-map read."""
        return None if self.dead else memory.size_of(self.memory_bases, memories)

    def close(self) -> None:
        """Mark the instance dead and free its Store (runtime thread; idempotent)."""
        self.dead = True
        self._stdout.flush()
        self._stderr.flush()
        self._drop_store()

    def _drop_store(self) -> None:
        """Free the Store, its linear memories and its WASI context now.

        wasmtime-py keeps the WASI output callbacks (``stdout_custom``) in a
        module-level table until the Store's WASI context is freed, and those
        callbacks lead back here: left to the garbage collector, the Store of
        every closed instance (its linear memory, ~26 MB for an SDK plugin,
        and, through the plugin's log sink, its compiled component) stayed
        for good. Dropped here, on the runtime thread that owns every Store.
        """
        self._funcs = {}
        self._instance = None
        self.store = None  # type: ignore[assignment]  # dead: nothing enters it again


# A plugin's output line longer than this is cut into pieces of this size.
MAX_OUTPUT_LINE = 64 * 1024


class _LineBuffer:
    """Turns WASI output chunks into lines for the plugin's log."""

    def __init__(self, sink: OutputSink) -> None:
        self._sink = sink
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            self._emit(line)
        if len(self._pending) > MAX_OUTPUT_LINE:  # output without newlines stays bounded
            self.flush()

    def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, b""
            self._emit(line)

    def _emit(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip("\r")
        if text.strip():
            try:
                self._sink(text)
            except Exception:  # a broken log sink must never trap the guest
                log.exception("plugin output sink failed")


def _time_left(instance: weakref.ref[PluginInstance]) -> Callable[[], float]:
    """Seconds before the running call's deadline (a weak reference: the gate outlives us)."""

    def left() -> float:
        alive = instance()
        return 0.0 if alive is None else alive._deadline_at - time.monotonic()

    return left
