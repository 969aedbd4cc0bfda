"""What the manager asks before a plugin's on-load: the load gate and its answer.

The permissions package implements :class:`LoadGate`
(:class:`gui.permissions.gate.PermissionGate`); without one every plugin runs
with nothing granted (:class:`GrantNothing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from gui.errors import PumpkinPatchError
from gui.plugins.lifecycle import PluginState
from gui.plugins.registry import Plugin
from gui.runtime import Sandbox


class PluginError(PumpkinPatchError):
    """A plugin could not be added, loaded or found; the message says which and why."""


@dataclass(frozen=True)
class Admission:
    """A gate's answer for one plugin about to run on-load.

    ``hold`` is None to go ahead with ``granted``; otherwise the state the
    plugin waits in (needs review, declined) and why.
    """

    granted: frozenset[str] = frozenset()
    sandbox: Sandbox = field(default_factory=Sandbox)
    hold: PluginState | None = None
    reason: str = ""


class LoadGate(Protocol):
    """Decides, after get-metadata and before on-load, what a plugin may do.

    The permissions package implements it (grants, policy, review); without
    one every plugin runs with nothing granted. A gate may also offer
    ``update_needs_review(plugin, requested) -> bool`` (whether a new version
    requesting ``requested`` must wait for review; default: it requests
    something the running version does not) and ``approve(plugin, sha256,
    requested, granted)`` (records grants given for a staged update).
    """

    async def admit(self, plugin: Plugin) -> Admission: ...


class GrantNothing:
    """The default gate: run every plugin, grant no capability."""

    async def admit(self, plugin: Plugin) -> Admission:
        return Admission()
