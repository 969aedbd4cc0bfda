"""What went wrong inside a plugin: classifying wasmtime failures.

wasmtime-py reports component-model failures as ``WasmtimeError`` whose text
carries the trap reason and a wasm backtrace; host exceptions raised inside a
host function are re-raised as themselves. :func:`classify` turns either into
a :class:`PluginFault` the rest of the app can show and count.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from gui.errors import PumpkinPatchError
from gui.runtime.wait_gate import WaitPastDeadline


class TrapKind(enum.StrEnum):
    """Why a plugin call failed. Values are stable: logs and the UI show them."""

    UNREACHABLE = "unreachable"
    OUT_OF_BOUNDS = "out-of-bounds"
    STACK_OVERFLOW = "stack-overflow"
    MEMORY_LIMIT = "memory-limit"
    DEADLINE = "deadline"
    HOST_ERROR = "host-error"
    UNIMPLEMENTED = "unimplemented-import"
    GUEST_ERROR = "guest-error"  # the guest returned an error value (not a trap)
    ARITHMETIC = "arithmetic"
    OTHER = "other"


@dataclass(frozen=True)
class PluginFault:
    """A classified failure of one guest call."""

    kind: TrapKind
    message: str
    frames: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        return f"{self.kind}: {self.message}"


class HostFunctionError(PumpkinPatchError):
    """Raised by a host function to refuse a call; the guest traps with this message."""


class UnimplementedImport(HostFunctionError):
    """The plugin called an imported function this host does not provide."""

    def __init__(self, interface: str, function: str) -> None:
        super().__init__(f"{interface}#{function} is not available in Pumpkin Patch")
        self.interface = interface
        self.function = function


_MEMORY_HINTS = ("memoryerror", "out of memory", "memory allocation of", "memory limit")

_PATTERNS: tuple[tuple[re.Pattern[str], TrapKind], ...] = (
    (re.compile(r"interrupt", re.I), TrapKind.DEADLINE),
    (re.compile(r"call stack exhausted|stack overflow", re.I), TrapKind.STACK_OVERFLOW),
    (re.compile(r"out of bounds memory access|out-of-bounds", re.I), TrapKind.OUT_OF_BOUNDS),
    (re.compile(r"unreachable", re.I), TrapKind.UNREACHABLE),
    (re.compile(r"integer (overflow|divide by zero)|invalid conversion", re.I),
     TrapKind.ARITHMETIC),
)

_FRAME = re.compile(r"^\s*\d+:\s+0x[0-9a-f]+ - (.+)$", re.M)


def classify(exc: BaseException, *, recent_output: str = "") -> PluginFault:
    """Classify a failed guest call.

    Args:
        exc: what the call raised.
        recent_output: the tail of the plugin's stderr; a Python-built guest
            prints ``MemoryError`` there before aborting, which is the only
            sign that a memory limit (rather than a bug) stopped it.
    """
    if isinstance(exc, UnimplementedImport):
        return PluginFault(TrapKind.UNIMPLEMENTED, str(exc))
    if isinstance(exc, WaitPastDeadline):  # the deadline, reached inside a wait
        return PluginFault(TrapKind.DEADLINE, str(exc))
    if isinstance(exc, HostFunctionError):
        return PluginFault(TrapKind.HOST_ERROR, str(exc))
    text = str(exc)
    frames = tuple(match.strip() for match in _FRAME.findall(text))
    headline = _headline(text)
    if not _is_wasmtime_error(exc):
        # Any other Python exception escaped a host function: a host-side error.
        return PluginFault(TrapKind.HOST_ERROR, f"{type(exc).__name__}: {exc}")
    for pattern, kind in _PATTERNS:
        if pattern.search(text):
            if kind is TrapKind.UNREACHABLE and _mentions_memory(recent_output):
                return PluginFault(TrapKind.MEMORY_LIMIT, headline, frames)
            return PluginFault(kind, headline, frames)
    return PluginFault(TrapKind.OTHER, headline, frames)


def _headline(text: str) -> str:
    """The trap reason ("wasm `unreachable` instruction executed"), not the backtrace."""
    reason = re.search(r"wasm trap: (.+)", text)
    if reason:
        return reason.group(1).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("error while executing", "Caused by")) \
                and not _FRAME.match(line):
            return line
    return text.strip().splitlines()[0] if text.strip() else "unknown failure"


def _mentions_memory(output: str) -> bool:
    lowered = output.lower()
    return any(hint in lowered for hint in _MEMORY_HINTS)


def _is_wasmtime_error(exc: BaseException) -> bool:
    import wasmtime

    return isinstance(exc, wasmtime.WasmtimeError | wasmtime.Trap)
