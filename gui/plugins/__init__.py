"""The plugin manager: lifecycle, event bus, fault policy, per-plugin logs and metrics.

Public surface:
    PluginManager, PluginError            (manager.py)
    Plugin, PluginMetadata, CallMetrics   (registry.py)
    PluginState, IllegalTransition        (lifecycle.py)
    FaultPolicy, FaultRecord              (faults.py)
    EventBus                              (bus.py)
    PluginStateChanged, PluginFaulted     (notices.py)
"""

from gui.plugins.bus import EventBus
from gui.plugins.faults import FaultPolicy, FaultRecord
from gui.plugins.lifecycle import IllegalTransition, PluginState
from gui.plugins.manager import PluginError, PluginManager
from gui.plugins.notices import PluginFaulted, PluginStateChanged
from gui.plugins.registry import CallMetrics, Plugin, PluginMetadata

__all__ = [
    "CallMetrics",
    "EventBus",
    "FaultPolicy",
    "FaultRecord",
    "IllegalTransition",
    "Plugin",
    "PluginError",
    "PluginFaulted",
    "PluginManager",
    "PluginMetadata",
    "PluginState",
    "PluginStateChanged",
]
