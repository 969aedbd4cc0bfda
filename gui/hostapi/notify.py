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


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class NotifyApi(HostInterface):
    package = "pumpkin-patch:host"
    interface = "notify"

    _limit: RateLimit | None = None

    @wit("send")
    def send(self, level: str, title: str, body: str) -> Variant:
        if not self.scope.holds(PERMISSION, f"notice {title!r}"):
            return Variant("err", Variant("permission-denied"))
        title = " ".join(title.split())
        if not title:
            return Variant("err", Variant("invalid"))
        limit = self._limit = self._limit or RateLimit()
        wait = limit.take()
        if wait:
            if limit.dropped == 0:
                self.scope.log("warn", f"notices are rate-limited ({BURST} at once, then one "
                                       f"every {REFILL_S:g} s); dropping until then")
            limit.dropped += 1
            return Variant("err", Variant("rate-limited", math.ceil(wait)))
        if limit.dropped:
            self.scope.log("warn", f"{limit.dropped} notice(s) were dropped by the rate limit")
            limit.dropped = 0
        level = level if level in LEVELS else "info"
        title, body = _shorten(title, MAX_TITLE), _shorten(body.strip(), MAX_BODY)
        self.scope.log(_LOG_LEVELS[level], f"notice: {title}" + (f": {body}" if body else ""))
        self.scope.calls.notify_admin(level, title, body)
        return Variant("ok", None)
