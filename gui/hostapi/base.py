"""How host interfaces are written: a class per WIT interface, a decorator per function.

Each module of :mod:`gui.hostapi` defines one :class:`HostInterface`
subclass naming its WIT interface and marking its methods with
``@wit("[method]player.get-name")``. The set of implemented functions is
therefore readable without running anything (``plugin api-coverage``,
``plugin inspect``), and binding for a plugin is one ``getattr`` per name.

Host functions run on the runtime thread. They may read server state
(reads of Python objects are safe under the GIL) but every change to the
server is handed to the server's event loop with :meth:`PluginScope.post`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from gui.runtime.world import PACKAGE

if TYPE_CHECKING:
    from gui.hostapi.scope import PluginScope

F = TypeVar("F", bound=Callable[..., Any])


def wit(name: str) -> Callable[[F], F]:
    """Mark a method as the host implementation of WIT function ``name``."""

    def mark(fn: F) -> F:
        fn.__wit_name__ = name  # type: ignore[attr-defined]
        return fn

    return mark


class HostInterface:
    """Base of every host interface; one instance per plugin instance."""

    interface: ClassVar[str]  # short WIT interface name, e.g. "logging"
    # The WIT package: Pumpkin's world, or this project's own (wit/host.wit).
    package: ClassVar[str] = PACKAGE

    def __init__(self, scope: PluginScope) -> None:
        self.scope = scope

    @classmethod
    def wit_functions(cls) -> dict[str, str]:
        """WIT function name -> Python attribute name."""
        found: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                name = getattr(value, "__wit_name__", None)
                if name:
                    found[name] = attr
        return found
