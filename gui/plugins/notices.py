"""What the plugin manager tells its subscribers (the console, the window, alerts).

A new kind of notice is a class here (and in :data:`Notice`), published with
``PluginManager.publish``; the widget that shows it connects with
``CoreEvents.when(TheNotice, slot)`` (gui/ui/bridge.py), which needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass

from gui.hostapi.plugin_status import StatusSnapshot
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


@dataclass(frozen=True)
class PluginUpdateHeld:
    """A new version of ``plugin`` asks for more permissions; it waits for review.

    The running version keeps serving until the admin approves (then
    ``PluginManager.apply_staged_update``) or discards the update.
    """

    plugin: str
    version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class PluginUpdateAvailable:
    """The source ``plugin`` was installed from offers ``latest`` (found by the
    core's periodic update check, once per version)."""

    plugin: str
    installed: str
    latest: str
    source: str


@dataclass(frozen=True)
class PluginMessage:
    """A plugin's notice for the admin (``pumpkin-patch:host/notify``, wit/host.wit).

    ``level`` is ``info``, ``warning`` or ``critical``; title and body are
    the plugin's words, already shortened and rate-limited by the host.
    """

    plugin: str
    level: str
    title: str
    body: str


@dataclass(frozen=True)
class PluginStatusChanged:
    """A plugin's status line or gauges changed (``pumpkin-patch:host/status``)."""

    status: StatusSnapshot


Notice = (PluginStateChanged | PluginFaulted | PluginUpdateHeld | PluginUpdateAvailable
          | PluginMessage | PluginStatusChanged)
