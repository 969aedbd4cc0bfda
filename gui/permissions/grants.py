"""The admin's decisions, per plugin and per permission: ``<config_dir>/grants.json``.

One entry per plugin name, recording the sha256 of the .wasm the decision was
made for, what it requested and what was granted::

    {"version": 1,
     "plugins": {"stats": {"state": "approved", "sha256": "ab12...",
                           "requested": ["fs.read.data", "fs.write.data"],
                           "granted": ["fs.read.data"], "decided_at": "2026-..."}}}

Keying by name *and* recording the sha256 (Pumpkin keys by sha256 alone) is
what lets the gate notice an update: same name, new sha256.

Safety rules: every write is atomic; a missing or damaged file means
"nothing decided" (never "approved"); a damaged file is reported through
``warn`` and kept: the first write afterwards moves it to
``grants.json.damaged-<time>`` instead of overwriting it. Other processes (the
``pumpkin-patch plugin grant ...`` commands) may change the file while the
app runs; it is re-read whenever it changes on disk.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from gui.errors import PumpkinPatchError
from gui.paths import atomic_write_text, file_stamp
from gui.permissions.catalogue import describe

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


class GrantError(PumpkinPatchError):
    """A grant change was refused; the message names the plugin and what to do."""


class DecisionState(StrEnum):
    UNDECIDED = "undecided"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True)
class Decision:
    """The admin's decision about one plugin.

    Attributes:
        state: Undecided, approved or declined.
        requested: What the plugin requested when the decision was made.
        granted: The approved subset of ``requested`` (empty unless approved).
        sha256: The .wasm the decision was made for ("" when undecided).
    """

    state: DecisionState = DecisionState.UNDECIDED
    requested: frozenset[str] = frozenset()
    granted: frozenset[str] = frozenset()
    sha256: str = ""

    @property
    def decided(self) -> bool:
        return self.state is not DecisionState.UNDECIDED


UNDECIDED = Decision()


class GrantStore:
    """Reads and writes ``grants.json``; safe to share between threads."""

    def __init__(self, path: Path, *, warn: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self._warn = warn or log.warning
        self._lock = threading.RLock()
        self._stamp: tuple[int, int, int] | None = None
        self._entries: dict[str, dict[str, Any]] = {}
        self._damaged = False
        self._warned_stamp: tuple[int, int, int] | None = None

    # -- reading --------------------------------------------------------------------
    @property
    def damaged(self) -> bool:
        """True when the file on disk could not be read (everything is undecided)."""
        with self._lock:
            self._refresh()
            return self._damaged

    def version(self) -> tuple[int, int, int] | None:
        """Changes whenever the file changes (from this process or another one)."""
        with self._lock:
            self._refresh()
            return self._stamp

    def decision(self, plugin: str, sha256: str | None = None) -> Decision:
        """The stored decision for ``plugin``.

        Args:
            plugin: The plugin's name.
            sha256: When given, a decision recorded for another .wasm counts as
                undecided.

        Returns:
            UNDECIDED when nothing is stored, the file is missing or damaged, or
            the entry itself is malformed.
        """
        with self._lock:
            self._refresh()
            entry = self._entries.get(plugin)
        if entry is None:
            return UNDECIDED
        decision = _decode(entry)
        if decision is None:
            return UNDECIDED
        if sha256 is not None and decision.sha256 != sha256:
            return UNDECIDED
        return decision

    def all(self) -> dict[str, Decision]:
        """Every readable stored decision, by plugin name."""
        with self._lock:
            self._refresh()
            entries = dict(self._entries)
        out = {}
        for name, entry in entries.items():
            decision = _decode(entry)
            if decision is not None:
                out[name] = decision
        return out

    # -- changing -----------------------------------------------------------------------
    def approve(self, plugin: str, sha256: str, requested: Iterable[str],
                granted: Iterable[str]) -> Decision:
        """Record an approval of ``plugin`` (this sha256) with ``granted``.

        ``granted`` is narrowed to what was requested and what this host can
        grant at all (known, enforceable capabilities).
        """
        wanted = frozenset(requested)
        chosen = frozenset(p for p in granted if p in wanted and describe(p).enforceable)
        return self._put(plugin, Decision(DecisionState.APPROVED, wanted, chosen, sha256))

    def decline(self, plugin: str, sha256: str, requested: Iterable[str]) -> Decision:
        """Record that the admin declined ``plugin``: it must never run on-load."""
        return self._put(plugin, Decision(DecisionState.DECLINED, frozenset(requested),
                                          frozenset(), sha256))

    def grant(self, plugin: str, permission: str) -> Decision:
        """Add one permission to an approved plugin's grants.

        Raises:
            GrantError: the plugin is not approved, did not request ``permission``,
                or this host cannot grant it.
        """
        with self._lock:
            current = self._approved(plugin, "grant")
            if permission not in current.requested:
                asked = ", ".join(sorted(current.requested)) or "nothing"
                raise GrantError(f"{plugin} does not request {permission} (it requests: "
                                 f"{asked}); only requested permissions can be granted")
            capability = describe(permission)
            if not capability.enforceable:
                raise GrantError(f"cannot grant {permission} to {plugin}: {capability.reason}")
            return self._put(plugin, Decision(DecisionState.APPROVED, current.requested,
                                              current.granted | {permission}, current.sha256))

    def revoke(self, plugin: str, permission: str) -> Decision:
        """Remove one permission from an approved plugin's grants (no-op if not granted).

        Raises:
            GrantError: the plugin is not approved.
        """
        with self._lock:
            current = self._approved(plugin, "revoke")
            return self._put(plugin, Decision(DecisionState.APPROVED, current.requested,
                                              current.granted - {permission}, current.sha256))

    def forget(self, plugin: str) -> None:
        """Drop every decision about ``plugin`` (it is undecided afterwards)."""
        with self._lock:
            self._refresh()
            if plugin in self._entries:
                del self._entries[plugin]
                self._write()

    # -- internals ------------------------------------------------------------------------
    def _approved(self, plugin: str, verb: str) -> Decision:
        current = self.decision(plugin)
        if current.state is not DecisionState.APPROVED:
            raise GrantError(f"cannot {verb} permissions of {plugin}: it is {current.state}; "
                             f"approve it first ('pumpkin-patch plugin approve {plugin}')")
        return current

    def _put(self, plugin: str, decision: Decision) -> Decision:
        with self._lock:
            self._refresh()
            self._entries[plugin] = {
                "state": str(decision.state),
                "sha256": decision.sha256,
                "requested": sorted(decision.requested),
                "granted": sorted(decision.granted),
                "decided_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            self._write()
        return decision

    def _write(self) -> None:
        if self._damaged and self.path.exists():
            kept = self.path.with_name(
                f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, kept)
            self._warn(f"{self.path} was damaged; it was kept as {kept.name} and a new "
                       "grants file started with this decision. Plugins not in it stay "
                       "undecided until you review them.")
        text = json.dumps({"version": FORMAT_VERSION, "plugins": self._entries}, indent=2,
                          sort_keys=True)
        atomic_write_text(self.path, text + "\n")
        self._damaged = False
        self._stamp = file_stamp(self.path)

    def _refresh(self) -> None:
        stamp = file_stamp(self.path)
        if stamp == self._stamp and stamp is not None:
            return
        self._stamp = stamp
        if stamp is None:
            self._entries, self._damaged = {}, False
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("plugins"), dict):
                raise ValueError("no 'plugins' table")
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(f"unsupported format version {data.get('version')!r}")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self._entries, self._damaged = {}, True
            if self._warned_stamp != stamp:
                self._warned_stamp = stamp
                self._warn(f"{self.path} cannot be read ({exc}); every plugin is treated as "
                           "undecided and will not run until you review it again. The file "
                           "is kept as it is; fix it, or review the plugins to start a new one.")
            return
        self._entries, self._damaged = dict(data["plugins"]), False


def _decode(entry: Any) -> Decision | None:
    """A Decision from one stored entry, or None when the entry is malformed."""
    try:
        state = DecisionState(entry["state"])
        requested = frozenset(_strings(entry.get("requested", [])))
        granted = frozenset(_strings(entry.get("granted", [])))
        sha256 = str(entry.get("sha256", ""))
    except (KeyError, TypeError, ValueError):
        return None
    if state is DecisionState.UNDECIDED:
        return UNDECIDED
    if state is DecisionState.DECLINED:
        granted = frozenset()
    return Decision(state, requested, granted & requested, sha256)


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of strings")
    return value
