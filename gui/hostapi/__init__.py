"""The host side of Pumpkin's WIT world and of our own (wit/): one module per interface.

:class:`HostApi` is what the linker asks for implementations
(:class:`gui.runtime.linking.HostBindings`). ``INTERFACES`` lists every
host interface class; :func:`implemented_functions` reads what they cover
without running anything (``plugin api-coverage``, ``plugin inspect``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gui.hostapi.base import HostInterface
from gui.hostapi.command import CommandApi
from gui.hostapi.context import ContextApi
from gui.hostapi.logging import LoggingApi
from gui.hostapi.notify import NotifyApi
from gui.hostapi.player import PlayerApi
from gui.hostapi.scheduler import SchedulerApi
from gui.hostapi.scope import EventRegistration, PluginCalls, PluginScope
from gui.hostapi.server import ServerApi
from gui.hostapi.status import StatusApi
from gui.hostapi.storage import StorageApi
from gui.hostapi.text import TextApi
from gui.hostapi.world import WorldApi
from gui.runtime.resources import HandleTable
from gui.runtime.world import PACKAGE, InterfaceName

INTERFACES: tuple[type[HostInterface], ...] = (
    LoggingApi,
    ContextApi,
    ServerApi,
    PlayerApi,
    TextApi,
    CommandApi,
    SchedulerApi,
    WorldApi,
    # pumpkin-patch:host (wit/host.wit)
    StorageApi,
    NotifyApi,
    StatusApi,
)

_BY_NAME = {(cls.package, cls.interface): cls for cls in INTERFACES}


def implemented_functions(package: str = PACKAGE) -> dict[str, set[str]]:
    """Short interface name -> WIT function names this host implements, for one package."""
    return {cls.interface: set(cls.wit_functions()) for cls in INTERFACES
            if cls.package == package}


class HostApi:
    """Host implementations for one plugin, created when the plugin is linked."""

    def __init__(self, scope: PluginScope, table: HandleTable) -> None:
        self.scope = scope
        self.table = table
        self._instances: dict[type[HostInterface], HostInterface] = {}

    def lookup(self, interface: str, function: str) -> Callable[..., Any] | None:
        parsed = InterfaceName.parse(interface)
        if parsed is None:
            return None
        cls = _BY_NAME.get((parsed.qualified_package, parsed.name))
        if cls is None:
            return None
        attr = cls.wit_functions().get(function)
        if attr is None:
            return None
        api = self._instances.get(cls)
        if api is None:
            api = self._instances[cls] = cls(self.scope)
        return getattr(api, attr)

    def lacks(self, capability: str, message: str) -> None:
        self.scope.lacks(capability, message)


__all__ = [
    "INTERFACES",
    "EventRegistration",
    "HostApi",
    "PluginCalls",
    "PluginScope",
    "implemented_functions",
]
