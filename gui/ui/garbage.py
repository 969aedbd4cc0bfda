"""Garbage collection that does not freeze the window during a flood of events.

With a few plugins loaded the app keeps a few hundred thousand long-lived
objects (wasmtime type trees, value converters, console history, Qt
wrappers). CPython 3.11 scans all of them in every full (generation 2)
collection, which it starts by itself whenever enough objects survived:
during a 1,000 events/s chat flood that is every half second, for 40-130 ms
each on a 2-core machine, and the window stalls that long.

So, like qutebrowser (its ``GarbageCollector``: collect from a timer in the
GUI thread), CPython keeps collecting the young generations by itself
(cheap) and this object runs the old generation from a timer:

- every few seconds, whatever survived the young collections is frozen
  (``gc.freeze``, which scans nothing), so no collection ever scans the
  old objects again by surprise;
- a *heavy* one (unfreeze, collect everything, freeze again) when the app
  has been calm for a check (few console lines) and the last heavy one is a
  minute old, and at the latest every ``overdue`` seconds even under load.
  Cyclic garbage among frozen objects (a plugin instance dropped after a
  trap, say) waits for the next heavy collection; everything without cycles
  is freed at once by reference counting.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

from gui.ui.bridge import ConsoleFeed

CHECK_MS = 2000
CALM_LINES = 40  # console lines per check below which the app counts as calm
HEAVY_EVERY = 60.0  # seconds between heavy collections when calm
OVERDUE = 600.0  # a heavy collection happens at least this often, calm or not
NO_AUTOMATIC_FULL = 1_000_000  # a gen-2 threshold CPython never reaches


class GarbageCollector(QObject):
    """Owns CPython's old-generation collections while the window runs.

    Attributes:
        heavy: How many heavy collections ran.
        longest: The longest of them (seconds).
    """

    def __init__(self, feed: ConsoleFeed, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous = gc.get_threshold()
        self._lines = 0
        self._last_heavy = time.monotonic()
        self.heavy = 0
        self.longest = 0.0
        feed.linesArrived.connect(self._count)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        young, middle, _old = self._previous
        gc.set_threshold(young, middle, NO_AUTOMATIC_FULL)
        self._timer.start()

    def stop(self) -> None:
        """Hand collection back to CPython (the shutdown path)."""
        self._timer.stop()
        gc.unfreeze()
        gc.set_threshold(*self._previous)

    def _count(self, lines: list[object]) -> None:
        self._lines += len(lines)

    def check(self) -> None:
        calm = self._lines < CALM_LINES
        self._lines = 0
        since = time.monotonic() - self._last_heavy
        if (calm and since > HEAVY_EVERY) or since > OVERDUE:
            self.collect()
        else:
            gc.freeze()

    def collect(self) -> None:
        """The heavy collection: everything, frozen or not (one pause, 50-150 ms)."""
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.longest = max(self.longest, time.perf_counter() - started)
        self.heavy += 1
        self._last_heavy = time.monotonic()
