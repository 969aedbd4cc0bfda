"""What the server page charts: TPS, MSPT, memory and plugin call time.

Qt-free. :class:`MetricsSampler.sample` is cheap (no disk, no plugin
call): it reads the tick loop's counters, the process's resident memory
as the core's MemoryWatch last read it (``/proc/self/statm`` before the
first reading) and the guest call durations recorded since the previous
sample.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from typing import Any

from gui.plugins.memory_watch import MemorySnapshot
from gui.server.state import ServerState

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class MetricsSample:
    """One sample.

    Attributes:
        tps: Ticks in the last second (20 is the target).
        mspt: Mean milliseconds of tick work over the last 20 ticks.
        memory_mb: Resident memory of the whole app (server + plugins), MiB: the
            figure ``bench memory`` reports, read by the core's MemoryWatch.
        call_ms: Mean duration of the plugin calls since the last sample.
        call_max_ms: The longest of those calls.
        calls: How many plugin calls there were since the last sample.
        memory: The core's latest memory snapshot (the app, each plugin), if any.
    """

    tps: float
    mspt: float
    memory_mb: float
    call_ms: float
    call_max_ms: float
    calls: int
    memory: MemorySnapshot | None = None


def resident_memory_mb() -> float:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE / (1024 * 1024)
    except (OSError, IndexError, ValueError):
        # No procfs: the peak is the best the standard library offers (KiB on Linux).
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MetricsSampler:
    """Samples a :class:`gui.core.ServerCore`; call :meth:`sample` on a timer."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self._seen_calls: dict[str, int] = {}

    def sample(self) -> MetricsSample:
        server = self.core.server
        running = server.state is ServerState.RUNNING
        durations: list[float] = []
        seen: dict[str, int] = {}
        for plugin in list(self.core.plugins.plugins.values()):
            metrics = plugin.metrics
            calls = metrics.calls
            seen[plugin.name] = calls
            new = calls - self._seen_calls.get(plugin.name, calls)
            if new > 0:
                try:  # the runtime thread appends while we copy
                    recent = list(metrics.recent)
                except RuntimeError:
                    recent = []
                durations.extend(recent[-min(new, len(recent)):] if recent else [])
        self._seen_calls = seen
        watch = getattr(self.core, "memory", None)
        snapshot = watch.last if watch is not None else None
        return MetricsSample(
            tps=server.ticks.tps if running else 0.0,
            mspt=server.ticks.mspt if running else 0.0,
            memory_mb=(snapshot.app.rss / (1024 * 1024) if snapshot and snapshot.app
                       else resident_memory_mb()),
            call_ms=(sum(durations) / len(durations) * 1000.0) if durations else 0.0,
            call_max_ms=max(durations) * 1000.0 if durations else 0.0,
            calls=len(durations),
            memory=snapshot,
        )


def memory_chart_note(snapshot: MemorySnapshot | None) -> str:
    """The short line under the Memory chart: a growing plugin first, else the plugins' part."""
    if snapshot is None or snapshot.app is None:
        return "whole app"
    growing = [p for p in snapshot.plugins.values() if p.worrying]
    if growing:
        return f"{growing[0].name} keeps growing!"
    added = snapshot.added_by_plugins
    if added is not None and snapshot.plugins:
        count = len(snapshot.plugins)
        return (f"whole app; {count} plugin{'s' if count != 1 else ''} "
                f"+{added / (1024 * 1024):.0f} MiB")
    return "whole app"
