"""What the plugin manager tells its subscribers (console now, window later)."""

from __future__ import annotations

from dataclasses import dataclass

from gui.plugins.faults import FaultRecord
from gui.plugins.lifecycle import PluginState


@dataclass(frozen=True)
class PluginStateChanged:
    plugin: str
    old: PluginState
    new: PluginState


@dataclass(frozen=True)
class PluginFaulted:
    """A plugin trapped; ``restart_after`` seconds, or quarantined."""

    record: FaultRecord
    quarantined: bool
    restart_after: float | None


Notice = PluginStateChanged | PluginFaulted
