"""Host side of ``pumpkin-patch:host/status``: a status line and gauges (wit/host.wit).

No permission: it only shows things on the Plugins page. Each change gives
the plugin manager a fresh :class:`StatusSnapshot` (``PluginCalls.
status_changed``); the manager publishes the latest one at most every half
second per plugin, however often the plugin sets gauges.
"""

from __future__ import annotations

import math
import re
from collections import deque

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.plugin_status import StatusSnapshot
from gui.hostapi.scope import PluginScope
from gui.hostapi.values import one_line
from gui.runtime.world import HOST_PACKAGE

MAX_LINE = 120
MAX_GAUGES = 8
HISTORY = 60  # values kept per gauge, for the chart
_GAUGE_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,32}")


class StatusApi(HostInterface):
    package = HOST_PACKAGE
    interface = "status"

    def __init__(self, scope: PluginScope) -> None:
        super().__init__(scope)
        self._line = ""
        self._gauges: dict[str, deque[float]] = {}

    def snapshot(self) -> StatusSnapshot:
        return StatusSnapshot(self.scope.plugin, self._line,
                              tuple((n, tuple(v)) for n, v in self._gauges.items()))

    def _changed(self) -> None:
        self.scope.calls.status_changed(self.snapshot())

    @wit("set-line")
    def set_line(self, line: str) -> None:
        self._line = one_line(line, MAX_LINE)
        self._changed()

    @wit("set-gauge")
    def set_gauge(self, name: str, value: float) -> str | None:
        if not _GAUGE_NAME.fullmatch(name):
            return f"gauge name {name[:40]!r} must be 1 to 32 printable characters"
        if not math.isfinite(value):
            return f"gauge {name!r}: {value} is not a finite number"
        gauges = self._gauges
        if name not in gauges and len(gauges) >= MAX_GAUGES:
            return (f"a plugin has at most {MAX_GAUGES} gauges ({', '.join(gauges)}); "
                    "remove one first")
        gauges.setdefault(name, deque(maxlen=HISTORY)).append(float(value))
        self._changed()
        return None

    @wit("remove-gauge")
    def remove_gauge(self, name: str) -> None:
        if self._gauges.pop(name, None) is not None:
            self._changed()
