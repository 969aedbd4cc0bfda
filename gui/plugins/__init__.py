"""The plugin manager: lifecycle, event bus, fault policy, per-plugin logs and metrics.

Public surface:
    PluginManager, PluginError            (manager.py)
    Admission, LoadGate, GrantNothing     (manager.py: the gate before on-load)
    PendingUpdate, UpdateResult, UpdateOutcome  (updates.py)
    Plugin, PluginMetadata, CallMetrics   (registry.py)
    PluginState, IllegalTransition        (lifecycle.py)
    FaultPolicy, FaultRecord              (faults.py)
    EventBus                              (bus.py)
    PluginStateChanged, PluginFaulted, PluginUpdateHeld, PluginUpdateAvailable,
    PluginMessage, PluginStatusChanged  (notices.py)

Updates: ``await manager.stage_update(name, new_wasm) -> UpdateResult``.
``result.outcome`` is APPLIED (old version got on-unload, the file was
replaced atomically, the new version loaded; ``result.state`` is its state),
HELD (it asks for more permissions while the old version runs: kept in
``<plugins_dir>/.staged/<name>.wasm``, ``result.pending`` / ``plugin.pending_update``
say what it adds and removes, a PluginUpdateHeld notice was published, the
old version keeps serving) or UNCHANGED (same sha256). After the review:
``apply_staged_update(name, granted)`` or ``discard_staged_update(name)``.
Raises PluginError when ``name`` is not installed or the file is not an
update of it.
"""

from gui.plugins.bus import EventBus
from gui.plugins.faults import FaultPolicy, FaultRecord
from gui.plugins.gate import Admission, GrantNothing, LoadGate, PluginError
from gui.plugins.lifecycle import IllegalTransition, PluginState
from gui.plugins.manager import PluginManager
from gui.plugins.metadata import PluginMetadata
from gui.plugins.notices import (
    PluginFaulted,
    PluginMessage,
    PluginStateChanged,
    PluginStatusChanged,
    PluginUpdateAvailable,
    PluginUpdateHeld,
)
from gui.plugins.registry import CallMetrics, Plugin
from gui.plugins.updates import PendingUpdate, UpdateOutcome, UpdateResult

__all__ = [
    "Admission",
    "CallMetrics",
    "EventBus",
    "FaultPolicy",
    "FaultRecord",
    "GrantNothing",
    "IllegalTransition",
    "LoadGate",
    "PendingUpdate",
    "Plugin",
    "PluginError",
    "PluginFaulted",
    "PluginManager",
    "PluginMessage",
    "PluginMetadata",
    "PluginState",
    "PluginStateChanged",
    "PluginStatusChanged",
    "PluginUpdateAvailable",
    "PluginUpdateHeld",
    "UpdateOutcome",
    "UpdateResult",
]
