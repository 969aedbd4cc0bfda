"""Host side of ``pumpkin-patch:host/notify``: a plugin's notices for the admin (wit/host.wit).

Needs ``admin.notify``. Each plugin may send a burst of :data:`BURST`
notices, then one every :data:`REFILL_S` seconds (5 a minute); a refused
notice is an ``error`` value, and the plugin's log says once per burst how
many were dropped. A sent notice goes to the plugin manager
(``PluginCalls.notify_admin``), which publishes it to the window, the alerts
and the console.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from wasmtime.component import Variant

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.scope import PluginScope
from gui.hostapi.values import err, ok, one_line, shorten
from gui.runtime.world import HOST_PACKAGE

PERMISSION = "admin.notify"
BURST = 5
REFILL_S = 12.0
MAX_TITLE = 120
MAX_BODY = 2000
LEVELS = ("info", "warning", "critical")
_LOG_LEVELS = {"info": "info", "warning": "warn", "critical": "error"}


class RateLimit:
    """A token bucket: ``burst`` at once, then one per ``refill_s``."""

    def __init__(self, burst: int = BURST, refill_s: float = REFILL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.refill_s, self._clock = burst, refill_s, clock
        self._tokens = float(burst)
        self._at = clock()
        self.dropped = 0  # refused since the last notice that went through

    def take(self) -> float:
        """0 when a notice may go now, else the seconds until one may."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) / self.refill_s)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) * self.refill_s


class NotifyApi(HostInterface):
    package = HOST_PACKAGE
    interface = "notify"

    def __init__(self, scope: PluginScope) -> None:
        super().__init__(scope)
        self._limit = RateLimit()

    @wit("send")
    def send(self, level: str, title: str, body: str) -> Variant:
        title = one_line(title, MAX_TITLE)
        if not self.scope.holds(PERMISSION, f"notice {title!r}"):
            return err("permission-denied")
        if not title:
            return err("invalid")
        limit = self._limit
        wait = limit.take()
        if wait:
            if limit.dropped == 0:
                self.scope.log("warn", f"notices are rate-limited ({BURST} at once, then one "
                                       f"every {REFILL_S:g} s); dropping until then")
            limit.dropped += 1
            return err("rate-limited", math.ceil(wait))
        if limit.dropped:
            self.scope.log("warn", f"{limit.dropped} notice(s) were dropped by the rate limit")
            limit.dropped = 0
        level = level if level in LEVELS else "info"
        body = shorten(body.strip(), MAX_BODY)
        self.scope.log(_LOG_LEVELS[level], f"notice: {title}" + (f": {body}" if body else ""))
        self.scope.calls.notify_admin(level, title, body)
        return ok()
