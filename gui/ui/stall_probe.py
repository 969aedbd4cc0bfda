"""Measures how long the GUI event loop is kept from running (its stalls).

A precise Qt timer asks to fire every ``interval_ms``; whenever it fires
late, the lateness is how long the loop could not respond to anything (a
click, a repaint, a server tick). The server's asyncio loop is the same Qt
loop (qasync), so a blocking coroutine shows up here too.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class StallProbe(QObject):
    """Records the lateness of a fast periodic timer.

    Attributes:
        stalls: Seconds late, one entry per firing while running.
    """

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000.0
        self.stalls: list[float] = []
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.stalls = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        self._tick()
        self._last = None
        return list(self.stalls)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.stalls.append(max(0.0, now - self._last - self.interval))
        self._last = now

    @property
    def worst(self) -> float:
        return max(self.stalls, default=0.0)
