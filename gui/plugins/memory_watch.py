"""Who uses the app's memory: the whole process, each plugin, and who keeps growing.

The same figures as ``pumpkin-patch bench memory``
(:func:`gui.runtime.memory.process_memory` for the process, the memory map
for each plugin's linear memory), sampled every couple of seconds by the
core:

- the whole app: resident, proportional and anonymous memory;
- what plugins added: resident memory now minus the resident memory just
  before the plugins loaded (:meth:`MemoryWatch.mark_base`); each running
  plugin's *share* is an equal part of it (code pages, instance state and
  the touched part of its heap are not told apart per plugin by the kernel);
- each plugin's linear memory and its trend: a plugin whose linear memory
  keeps growing is reported (console warning, counters, chart note) while
  it is still well under its limit, with the time left at its rate.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gui.runtime.memory import ProcessMemory


class WatchedPlugin(Protocol):
    """What the watch reads of a plugin (a :class:`gui.plugins.registry.Plugin`)."""

    name: str
    instance: Any
    memory_bytes: int | None
    memory: PluginMemory | None

    def is_live(self) -> bool: ...


MIB = 1024 * 1024
WINDOW_S = 120.0  # the trend is read over the last two minutes of samples
MIN_SPAN_S = 20.0  # and only once samples span this long
WARN_WITHIN_S = 30 * 60.0  # warn when the limit is this close at the current rate
WARN_FRACTION = 0.8  # ... or when the memory is past this part of the limit


@dataclass
class MemoryTrend:
    """One plugin's linear memory over time (bytes), newest last."""

    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=240))

    def add(self, at: float, size: int) -> None:
        self.samples.append((at, size))
        while self.samples and self.samples[0][0] < at - WINDOW_S:
            self.samples.popleft()

    def clear(self) -> None:
        self.samples.clear()

    @property
    def current(self) -> int | None:
        return self.samples[-1][1] if self.samples else None

    def rate(self) -> float | None:
        """Growth in bytes per second over the window (None: too few samples).

        A wasm memory never shrinks, so the rate is first-to-last; a heap that
        grew once at start-up and then stopped reads zero once the window
        has passed.
        """
        if len(self.samples) < 2:
            return None
        (t0, s0), (t1, s1) = self.samples[0], self.samples[-1]
        if t1 - t0 < MIN_SPAN_S:
            return None
        return (s1 - s0) / (t1 - t0)

    def seconds_to(self, limit: int) -> float | None:
        """When the memory reaches ``limit`` at the current rate (None: not growing)."""
        rate, now = self.rate(), self.current
        if not rate or rate <= 0 or now is None:
            return None
        return max(0.0, (limit - now) / rate)

    def worrying(self, limit: int) -> bool:
        """Growing and either past :data:`WARN_FRACTION` of ``limit`` or near it in time."""
        left = self.seconds_to(limit)
        now = self.current or 0
        return left is not None and (left <= WARN_WITHIN_S or now >= WARN_FRACTION * limit)


@dataclass(frozen=True)
class PluginMemory:
    """One plugin's figures in a :class:`MemorySnapshot` (bytes; None when unknown)."""

    name: str
    linear: int | None
    limit: int
    share: int | None
    rate: float | None  # bytes per second
    seconds_to_limit: float | None
    worrying: bool


@dataclass(frozen=True)
class MemorySnapshot:
    """The app and its plugins at one moment."""

    app: ProcessMemory | None
    base_rss: int | None
    plugins: dict[str, PluginMemory]

    @property
    def added_by_plugins(self) -> int | None:
        """Resident bytes the plugins added (None before the base is known)."""
        if self.app is None or self.base_rss is None:
            return None
        return max(0, self.app.rss - self.base_rss)

    @property
    def linear_total(self) -> int:
        return sum(p.linear or 0 for p in self.plugins.values())

    def note(self) -> str:
        """One line for the Memory chart: what the whole app is made of."""
        if self.app is None:
            return "whole app"
        parts = [f"whole app, {self.app.anonymous / MIB:.0f} MiB anonymous"]
        added = self.added_by_plugins
        if added is not None and self.plugins:
            count = len(self.plugins)
            parts.append(f"{count} plugin{'s' if count != 1 else ''}: +{added / MIB:.0f} MiB, "
                         f"linear {self.linear_total / MIB:.0f} MiB")
        worrying = [p for p in self.plugins.values() if p.worrying]
        parts += [f"{p.name} grows {p.rate * 60 / MIB:.1f} MiB/min" for p in worrying
                  if p.rate]
        return "; ".join(parts)


class MemoryWatch:
    """Samples the process and the plugins; remembers each plugin's trend.

    Args:
        warn: Called with (plugin, message) once each time a plugin starts
            worrying (growing toward its limit); not again until it stops.
    """

    def __init__(self, warn: Callable[[str, str], None] | None = None) -> None:
        self._warn = warn
        self.base_rss: int | None = None
        self.trends: dict[str, MemoryTrend] = {}
        self._warned: set[str] = set()
        self.last = MemorySnapshot(None, None, {})

    def mark_base(self, app: ProcessMemory | None) -> None:
        """Remember the resident memory read just before the plugins load."""
        self.base_rss = app.rss if app is not None else None

    def sample(self, plugins: Iterable[WatchedPlugin], app: ProcessMemory | None,
               now: float | None = None) -> MemorySnapshot:
        """Record the plugins' current ``memory_bytes`` (see PluginManager.sample_memory).

        Args:
            plugins: Every plugin; the running ones are counted.
            app: The process's memory, read at the same time
                (:func:`gui.runtime.memory.process_memory`, off the loop).
            now: A monotonic time (default: now).
        """
        now = time.monotonic() if now is None else now
        running = [p for p in plugins if p.is_live()]
        added = None if app is None or self.base_rss is None else max(0, app.rss - self.base_rss)
        share = added // len(running) if added is not None and running else None
        found: dict[str, PluginMemory] = {}
        for plugin in running:
            name = plugin.name
            limit = plugin.instance.limits.memory_bytes
            trend = self.trends.setdefault(name, MemoryTrend())
            linear = plugin.memory_bytes
            if linear is not None:
                if trend.current is not None and linear < trend.current:
                    trend.clear()  # a new instance (restart, reload): a new history
                trend.add(now, linear)
            worrying = linear is not None and trend.worrying(limit)
            found[name] = PluginMemory(name, linear, limit, share, trend.rate(),
                                       trend.seconds_to(limit), worrying)
            plugin.memory = found[name]  # for its counters
            self._tell(found[name])
        for gone in set(self.trends) - set(found):
            del self.trends[gone]
            self._warned.discard(gone)
        self.last = MemorySnapshot(app, self.base_rss, found)
        return self.last

    def _tell(self, plugin: PluginMemory) -> None:
        if not plugin.worrying:
            self._warned.discard(plugin.name)
            return
        if plugin.name in self._warned or self._warn is None:
            return
        self._warned.add(plugin.name)
        self._warn(plugin.name, describe(plugin))


def describe(plugin: PluginMemory) -> str:
    """E.g. '120.0 MiB of 256 MiB linear memory, growing 4.0 MiB/min: the limit in ~34 min'."""
    if plugin.linear is None:
        return f"linear memory unknown on this system (limit {plugin.limit / MIB:.0f} MiB)"
    text = f"{plugin.linear / MIB:.1f} MiB of {plugin.limit / MIB:.0f} MiB linear memory"
    if plugin.rate and plugin.rate > 0:
        text += f", growing {plugin.rate * 60 / MIB:.1f} MiB/min"
        if plugin.seconds_to_limit is not None:
            text += f": the limit in ~{max(1, round(plugin.seconds_to_limit / 60))} min"
    return text
