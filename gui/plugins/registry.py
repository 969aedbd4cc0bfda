"""What the manager knows about one plugin: the :class:`Plugin` record."""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gui.hostapi.plugin_status import StatusSnapshot
from gui.plugins.faults import FaultRecord
from gui.plugins.lifecycle import Lifecycle, PluginState
from gui.plugins.logs import PluginLog
from gui.plugins.metadata import PluginMetadata

if TYPE_CHECKING:
    from gui.hostapi.scope import PluginScope
    from gui.plugins.memory_watch import PluginMemory
    from gui.plugins.updates import PendingUpdate
    from gui.runtime import LinkedPlugin, PluginInstance
    from gui.runtime.engine import CompiledComponent


@dataclass
class CallMetrics:
    """Guest call counters for one plugin (durations in seconds)."""

    calls: int = 0
    traps: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=1000))
    max_seconds: float = 0.0

    def record(self, seconds: float) -> None:
        self.calls += 1
        self.recent.append(seconds)
        self.max_seconds = max(self.max_seconds, seconds)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.recent) if self.recent else 0.0


@dataclass
class Plugin:
    """One installed plugin: its file, state, instance, scope, faults and counters."""

    name: str
    path: Path
    sha256: str = ""
    metadata: PluginMetadata | None = None
    error: str | None = None
    loaded_at: float | None = None
    compiled: CompiledComponent | None = None
    linked: LinkedPlugin | None = None
    instance: PluginInstance | None = None
    scope: PluginScope = field(default=None)  # type: ignore[assignment]  # set by the manager
    bindings: Callable[..., Any] = field(default=None)  # type: ignore[assignment]
    log: PluginLog = field(default=None)  # type: ignore[assignment]
    lifecycle: Lifecycle = field(init=False)
    faults: list[FaultRecord] = field(default_factory=list)
    trap_times: list[float] = field(default_factory=list)
    metrics: CallMetrics = field(default_factory=CallMetrics)
    # Linear memory of the running instance, bytes (None: not running, or unknown
    # on this platform); refreshed by PluginManager.sample_memory.
    memory_bytes: int | None = None
    # Its linear memory, share of the app and trend, refreshed with memory_bytes
    # by the core's MemoryWatch (None until the first sample while it runs).
    memory: PluginMemory | None = None
    # A newer .wasm held for review while this version keeps running (see updates.py).
    pending_update: PendingUpdate | None = None
    # What it last showed through pumpkin-patch:host/status (None: never used it).
    status: StatusSnapshot | None = None

    def __post_init__(self) -> None:
        self.lifecycle = Lifecycle(self.name)

    @property
    def state(self) -> PluginState:
        return self.lifecycle.state

    def is_live(self) -> bool:
        return self.lifecycle.state is PluginState.RUNNING and self.instance is not None

    def rename(self, name: str) -> None:
        """Adopt the name the plugin gives itself in its metadata."""
        self.name = name
        self.lifecycle.plugin = name
        if self.scope is not None:
            self.scope.plugin = name
        if self.log is not None:
            self.log.plugin = name

    def compiled_note(self) -> str:
        if self.compiled is None:
            return "not compiled"
        source = "from cache" if self.compiled.from_cache else "compiled"
        return f"{source} in {self.compiled.seconds:.2f} s"
