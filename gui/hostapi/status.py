"""Host side of ``pumpkin-patch:host/status``: a status line and gauges (wit/host.wit).

No permission: it only shows things on the Plugins page. Each change gives
the plugin manager a fresh :class:`StatusSnapshot` (``PluginCalls.
status_changed``); the manager publishes the latest one at most every half
second per plugin, however often the plugin sets gauges.
"""

from __future__ import annotations

import re
from collections import deque

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.plugin_status import StatusSnapshot

MAX_LINE = 120
MAX_GAUGES = 8
HISTORY = 60  # values kept per gauge, for the chart
_GAUGE_NAME = re.compile(r"^[^\x00-\x1f]{1,32}$")


class StatusApi(HostInterface):
    package = "pumpkin-patch:host"
    interface = "status"

    _line = ""
    _gauges: dict[str, deque[float]] | None = None

    def _values(self) -> dict[str, deque[float]]:
        if self._gauges is None:
            self._gauges = {}
        return self._gauges

    def snapshot(self) -> StatusSnapshot:
        return StatusSnapshot(self.scope.plugin, self._line,
                              tuple((n, tuple(v)) for n, v in self._values().items()))

    def _changed(self) -> None:
        self.scope.calls.status_changed(self.snapshot())

    @wit("set-line")
    def set_line(self, line: str) -> None:
        line = " ".join(line.split())
        self._line = line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…"
        self._changed()

    @wit("set-gauge")
    def set_gauge(self, name: str, value: float) -> str | None:
        if not _GAUGE_NAME.match(name):
            return f"gauge name {name!r} must be 1 to 32 printable characters"
        gauges = self._values()
        if name not in gauges and len(gauges) >= MAX_GAUGES:
            return (f"a plugin has at most {MAX_GAUGES} gauges ({', '.join(gauges)}); "
                    "remove one first")
        gauges.setdefault(name, deque(maxlen=HISTORY)).append(float(value))
        self._changed()
        return None

    @wit("remove-gauge")
    def remove_gauge(self, name: str) -> None:
        if self._values().pop(name, None) is not None:
            self._changed()
