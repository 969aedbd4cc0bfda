"""Updates of installed plugins: what :meth:`PluginManager.stage_update` answers.

A new .wasm for an installed plugin either replaces the old one at once
(on-unload old -> atomic replace of the file -> load new) or, when it asks
for more permissions than the running version while that version is
running, waits in ``<plugins_dir>/.staged/<name>.wasm`` as the plugin's
:class:`PendingUpdate` until the admin reviews it; the old version keeps
serving meanwhile. :meth:`PluginManager.apply_staged_update` applies it after
the review, :meth:`PluginManager.discard_staged_update` drops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from gui.plugins.lifecycle import PluginState
from gui.plugins.metadata import PluginMetadata


@dataclass(frozen=True)
class PendingUpdate:
    """A new version of a plugin held for review while the old one keeps running.

    Attributes:
        plugin: The plugin's name.
        staged_path: ``<plugins_dir>/.staged/<name>.wasm``.
        sha256: Of the staged .wasm.
        metadata: The new version's metadata (its requested permissions).
        added: Permissions the new version requests that the running one does not.
        removed: Permissions the running version requests that the new one drops.
    """

    plugin: str
    staged_path: Path
    sha256: str
    metadata: PluginMetadata
    added: tuple[str, ...]
    removed: tuple[str, ...]


class UpdateOutcome(StrEnum):
    APPLIED = "applied"  # the new version replaced the old one and was loaded
    HELD = "held"  # waiting for review; the old version keeps running
    UNCHANGED = "unchanged"  # the same .wasm is already installed


@dataclass(frozen=True)
class UpdateResult:
    """What happened to an update.

    Attributes:
        plugin: The plugin's name.
        outcome: Applied, held or unchanged.
        state: The plugin's state afterwards (the new version's when applied: it
            can itself be NEEDS_REVIEW when its grants could not be inherited).
        pending: The held update (only when ``outcome`` is HELD).
        message: One line for the admin.
    """

    plugin: str
    outcome: UpdateOutcome
    state: PluginState
    pending: PendingUpdate | None
    message: str

    @property
    def held(self) -> bool:
        return self.outcome is UpdateOutcome.HELD
