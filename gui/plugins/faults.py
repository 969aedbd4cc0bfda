"""What happens after a plugin traps: restart with backoff, or quarantine.

Pumpkin never restarts a trapped plugin. Here a trap schedules a fresh
instance after 1 s, 2 s, 4 s; the third trap within five minutes
quarantines the plugin until the admin re-enables it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gui.runtime.traps import PluginFault


@dataclass(frozen=True)
class FaultRecord:
    """One recorded fault of a plugin, as shown in logs and notifications."""

    plugin: str
    export: str  # which call trapped: on-load, handle-event, ...
    fault: PluginFault
    at: float = field(default_factory=time.time)

    def describe(self) -> str:
        return f"plugin {self.plugin!r} trapped in {self.export} ({self.fault.kind}): " \
               f"{self.fault.message}"


@dataclass(frozen=True)
class FaultDecision:
    restart_after: float | None  # seconds, or None when quarantined
    quarantine: bool
    traps_in_window: int


@dataclass(frozen=True)
class FaultPolicy:
    backoff: tuple[float, ...] = (1.0, 2.0, 4.0)
    window: float = 300.0
    max_traps: int = 3

    def decide(self, trap_times: list[float], now: float) -> FaultDecision:
        """Decide after a trap; ``trap_times`` includes the trap just recorded."""
        recent = [t for t in trap_times if now - t <= self.window]
        if len(recent) >= self.max_traps:
            return FaultDecision(None, True, len(recent))
        delay = self.backoff[min(len(recent), len(self.backoff)) - 1]
        return FaultDecision(delay, False, len(recent))
