"""The wasmtime host: engine, compile cache, the runtime thread and plugin instances.

Public surface:
    PluginRuntime, LinkedPlugin   (host.py)
    PluginInstance, Limits, Sandbox, Preopen, GuestCallFailed, InstanceDead  (instance.py)
    TrapKind, PluginFault, HostFunctionError, UnimplementedImport  (traps.py)
    NotAPumpkinPlugin, UnsupportedWorldVersion, WorldInfo  (world.py)
    HttpAccess  (http_gate.py)
"""

from gui.runtime.host import LinkedPlugin, PluginRuntime
from gui.runtime.http_gate import HttpAccess
from gui.runtime.instance import (
    GuestCallFailed,
    InstanceDead,
    Limits,
    PluginInstance,
    Preopen,
    Sandbox,
)
from gui.runtime.traps import (
    HostFunctionError,
    PluginFault,
    TrapKind,
    UnimplementedImport,
)
from gui.runtime.world import NotAPumpkinPlugin, UnsupportedWorldVersion, WorldInfo

__all__ = [
    "GuestCallFailed",
    "HostFunctionError",
    "HttpAccess",
    "InstanceDead",
    "Limits",
    "LinkedPlugin",
    "NotAPumpkinPlugin",
    "PluginFault",
    "PluginInstance",
    "PluginRuntime",
    "Preopen",
    "Sandbox",
    "TrapKind",
    "UnimplementedImport",
    "UnsupportedWorldVersion",
    "WorldInfo",
]
