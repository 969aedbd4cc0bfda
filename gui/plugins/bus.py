"""The event bus: which plugin handlers run for an event, and in what order.

Pumpkin's rule: blocking handlers run first, by priority (highest to
lowest), and may modify or cancel the event they return; non-blocking
handlers run afterwards and see the final event, but their changes are
ignored. Registrations are keyed by plugin, so unloading removes them all.
"""

from __future__ import annotations

from collections import defaultdict

from gui.hostapi.scope import EventRegistration

PRIORITY_ORDER = {"highest": 0, "high": 1, "normal": 2, "low": 3, "lowest": 4}


class EventBus:
    def __init__(self) -> None:
        self._by_type: dict[str, list[EventRegistration]] = defaultdict(list)
        self._ordered: dict[str, list[EventRegistration]] = {}

    def add(self, registration: EventRegistration) -> None:
        self._by_type[registration.event_type].append(registration)
        self._ordered.pop(registration.event_type, None)

    def remove_plugin(self, plugin: str) -> int:
        removed = 0
        for event_type, regs in self._by_type.items():
            kept = [r for r in regs if r.plugin != plugin]
            removed += len(regs) - len(kept)
            regs[:] = kept
            self._ordered.pop(event_type, None)
        return removed

    def handlers(self, event_type: str) -> list[EventRegistration]:
        """Handlers in call order (cached until registrations change)."""
        ordered = self._ordered.get(event_type)
        if ordered is None:
            ordered = sorted(
                self._by_type.get(event_type, ()),
                key=lambda r: (not r.blocking, PRIORITY_ORDER.get(r.priority, 2)),
            )
            self._ordered[event_type] = ordered
        return ordered
