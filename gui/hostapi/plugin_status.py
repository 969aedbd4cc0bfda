"""What a plugin shows on the Plugins page (``pumpkin-patch:host/status``), as one value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusSnapshot:
    """What a plugin shows: its line and each gauge's recent values (oldest first)."""

    plugin: str
    line: str
    gauges: tuple[tuple[str, tuple[float, ...]], ...]
