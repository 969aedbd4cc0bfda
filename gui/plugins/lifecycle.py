"""Plugin lifecycle: the states a plugin goes through and the legal moves between them.

::

    installed -> needs_review -> loading -> running
    running -> trapped -> restarting -> running | trapped | quarantined
    running -> disabled ; quarantined -> loading (admin re-enables)
    loading -> failed (refused: not a plugin, on-load error) ; any -> removed

An illegal move raises :class:`IllegalTransition`, so a bug shows up where
it happens instead of as a plugin stuck in a state that makes no sense.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from gui.errors import PumpkinPatchError


class PluginState(enum.StrEnum):
    INSTALLED = "installed"
    NEEDS_REVIEW = "needs review"
    DECLINED = "declined"
    LOADING = "loading"
    RUNNING = "running"
    TRAPPED = "trapped"
    RESTARTING = "restarting"
    QUARANTINED = "quarantined"
    DISABLED = "disabled"
    FAILED = "failed"  # refused or failed to load (e.g. incompatible); see the plugin's error
    REMOVED = "removed"


S = PluginState

TRANSITIONS: dict[PluginState, frozenset[PluginState]] = {
    S.INSTALLED: frozenset({S.NEEDS_REVIEW, S.LOADING, S.DISABLED, S.FAILED}),
    S.NEEDS_REVIEW: frozenset({S.LOADING, S.DECLINED, S.DISABLED, S.NEEDS_REVIEW}),
    S.DECLINED: frozenset({S.NEEDS_REVIEW, S.LOADING}),
    S.LOADING: frozenset({S.RUNNING, S.FAILED, S.TRAPPED, S.DISABLED, S.NEEDS_REVIEW,
                        S.DECLINED}),
    S.RUNNING: frozenset({S.TRAPPED, S.DISABLED, S.LOADING}),
    S.TRAPPED: frozenset({S.RESTARTING, S.QUARANTINED, S.DISABLED}),
    S.RESTARTING: frozenset({S.RUNNING, S.TRAPPED, S.QUARANTINED, S.DISABLED, S.FAILED,
                           S.NEEDS_REVIEW, S.DECLINED}),
    S.QUARANTINED: frozenset({S.LOADING, S.DISABLED}),
    S.DISABLED: frozenset({S.LOADING, S.NEEDS_REVIEW}),
    S.FAILED: frozenset({S.LOADING, S.DISABLED}),
    S.REMOVED: frozenset(),
}


class IllegalTransition(PumpkinPatchError, RuntimeError):
    def __init__(self, plugin: str, old: PluginState, new: PluginState) -> None:
        super().__init__(f"plugin {plugin!r} cannot go from {old} to {new}")
        self.plugin, self.old, self.new = plugin, old, new


Listener = Callable[[str, PluginState, PluginState], None]


class Lifecycle:
    """The current state of one plugin, with checked transitions."""

    def __init__(self, plugin: str, state: PluginState = S.INSTALLED) -> None:
        self.plugin = plugin
        self._state = state
        self._listeners: list[Listener] = []

    @property
    def state(self) -> PluginState:
        return self._state

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def can(self, new: PluginState) -> bool:
        return new is S.REMOVED or new in TRANSITIONS[self._state]

    def move(self, new: PluginState) -> None:
        if not self.can(new):
            raise IllegalTransition(self.plugin, self._state, new)
        old, self._state = self._state, new
        for listener in self._listeners:
            listener(self.plugin, old, new)
