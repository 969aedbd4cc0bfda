"""Console lines about peers, rate-limited per host so a flood cannot flood the log.

A listener writes one line per bad connection (gui/server/listener.py). A
host that opens thousands of junk connections would write thousands of
lines; :class:`PeerLineLimiter` lets :data:`BURST` lines per host through in
each :data:`WINDOW_S` and counts the rest, then writes one summary
(``... and 5,000 more from 127.0.0.1 in 10 s``) when the window ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from gui.server.addresses import ip_of
from gui.server.console import ConsoleLog

BURST = 5
WINDOW_S = 10.0
MAX_HOSTS = 4096  # windows kept; beyond, the ended ones are dropped


def host_of(peer: str) -> str:
    """The host of ``"host:port"`` (``"[::1]:25565"`` -> ``"::1"``), by the one address rule."""
    return ip_of(peer) or peer


@dataclass
class _Window:
    start: float
    written: int = 0
    suppressed: int = 0


class PeerLineLimiter:
    """Writes console lines about peers, at most :data:`BURST` per host and window."""

    def __init__(self, console: ConsoleLog, source: str, *, burst: int = BURST,
                 window: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a limiter writing to ``console`` as ``source``.

        Args:
            console: Where the lines go.
            source: The console source of the lines (the listener's).
            burst: Lines per host let through in each window.
            window: The window, seconds.
            clock: Monotonic seconds (tests pass their own).
        """
        self.console = console
        self.source = source
        self.burst = burst
        self.window = window
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def write(self, level: str, peer: str, message: str) -> bool:
        """Write ``message`` about ``peer`` unless its host is over the burst.

        Returns:
            Whether the line was written (False: counted for the summary).
        """
        host = host_of(peer)
        now = self._clock()
        window = self._windows.get(host)
        if window is not None and now - window.start >= self.window:
            self._end(host, window)
            window = None
        if window is None:
            if len(self._windows) >= MAX_HOSTS:
                self.flush(now)
            window = self._windows[host] = _Window(now)
        if window.written < self.burst:
            window.written += 1
            self.console.write(level, self.source, message)
            return True
        window.suppressed += 1
        if window.suppressed == 1:
            self._schedule(host, window)
        return False

    def flush(self, now: float | None = None) -> None:
        """Write the summaries of every window that has ended (all of them: ``now=inf``)."""
        now = self._clock() if now is None else now
        for host, window in list(self._windows.items()):
            if now - window.start >= self.window:
                self._end(host, window)

    def _end(self, host: str, window: _Window) -> None:
        if self._windows.get(host) is window:
            del self._windows[host]
        if window.suppressed:
            self.console.warn(self.source, f"... and {window.suppressed:,} more from {host} "
                                           f"in {self.window:.0f} s")
            window.suppressed = 0

    def _schedule(self, host: str, window: _Window) -> None:
        """Write the summary when the window ends, even if the host goes quiet."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a script): the next line of that host writes it
        delay = max(0.0, window.start + self.window - self._clock())
        loop.call_later(delay, self._end, host, window)
