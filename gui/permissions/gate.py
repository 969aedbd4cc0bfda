"""The permission gate: between get-metadata and on-load, decide what a plugin may do.

:class:`PermissionGate` implements :class:`gui.plugins.gate.LoadGate`.
For each plugin about to run on-load it asks the one admission decision
(:func:`gui.permissions.admission.decide`), records an approval it implies
(an inherited or policy-approved one), holds the plugin as NEEDS_REVIEW or
DECLINED when it is not approved, and otherwise admits it with the effective
grants (policy applied: blocked wins, unenforceable never granted) and the
WASI sandbox those grants create: the plugin's own data dir preopened as
``data`` (read-only for fs.read.data, read-write with fs.write.data), only
the environment variables granted, and outgoing HTTP (``http.outbound``) only
to the hosts the admin listed for the plugin.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from gui.hostapi.context import GUEST_DATA_DIR
from gui.paths import AppPaths
from gui.permissions.admission import Verdict, decide
from gui.permissions.grants import Decision, GrantStore
from gui.permissions.policy import PermissionPolicy
from gui.plugins.gate import Admission
from gui.plugins.lifecycle import PluginState
from gui.plugins.registry import Plugin
from gui.runtime import HttpAccess, Preopen, Sandbox

log = logging.getLogger(__name__)


def sandbox_for(plugin: str, granted: frozenset[str], policy: PermissionPolicy,
                paths: AppPaths) -> Sandbox:
    """The WASI sandbox that backs ``granted`` for ``plugin``, and nothing more."""
    preopens: tuple[Preopen, ...] = ()
    if granted & {"fs.read.data", "fs.write.data"}:
        data_dir = paths.plugin_data_dir(plugin)
        data_dir.mkdir(parents=True, exist_ok=True)
        preopens = (Preopen(data_dir, GUEST_DATA_DIR, writable="fs.write.data" in granted),)
    http = HttpAccess(granted="http.outbound" in granted, hosts=policy.http_hosts(plugin))
    return Sandbox(env=policy.environment(plugin, granted), preopens=preopens, http=http)


class PermissionGate:
    """Grants, policy and updates applied to every plugin load."""

    def __init__(self, store: GrantStore, policy: PermissionPolicy, paths: AppPaths) -> None:
        self.store = store
        self.policy = policy
        self.paths = paths

    async def admit(self, plugin: Plugin) -> Admission:
        """The admission of ``plugin`` (its metadata was just read)."""
        assert plugin.metadata is not None
        name = plugin.name
        requested = frozenset(plugin.metadata.permissions)
        decision = decide(name, plugin.sha256, requested, self.store.decision(name),
                          self.policy, damaged=self.store.damaged)
        if decision.verdict is Verdict.INHERIT:
            log.info("%s: new .wasm requests nothing new; it inherits its grants", name)
        if decision.needs_recording:
            self.store.approve(name, plugin.sha256, requested, decision.granted)
        if decision.verdict is Verdict.DECLINED:
            return Admission(hold=PluginState.DECLINED, reason=(
                f"declined by the admin; run 'pumpkin-patch plugin approve {name}' or review "
                "it in the Plugins window to let it run"))
        if not decision.approved:
            return Admission(hold=PluginState.NEEDS_REVIEW, reason=self._review_reason(
                name, requested, decision.previous))
        granted = self.policy.effective(name, requested, decision.granted)
        self._report(plugin, requested, granted)
        return Admission(granted=granted,
                         sandbox=sandbox_for(name, granted, self.policy, self.paths))

    def approve(self, plugin: str, sha256: str, requested: Iterable[str],
                granted: Iterable[str]) -> Decision:
        """Record an admin's approval (used by the manager for a reviewed update)."""
        return self.store.approve(plugin, sha256, requested, granted)

    def update_needs_review(self, plugin: str, requested: Iterable[str]) -> bool:
        """Whether a new version of a running ``plugin`` must wait for the admin.

        The admission decision for the new version (:func:`decide`) does not
        approve it: it requests something the stored decision did not cover
        and the admin would be asked about it (policy applied).
        """
        return not decide(plugin, "", requested, self.store.decision(plugin), self.policy,
                          damaged=self.store.damaged).approved

    def _review_reason(self, name: str, requested: frozenset[str], held: Decision) -> str:
        what = "review it in the Plugins window or run 'pumpkin-patch plugin approve " \
               f"{name}' (or 'plugin decline {name}')"
        if self.store.damaged:
            return f"the grants file {self.store.path} cannot be read, so {name} is " \
                   f"treated as undecided; {what}"
        added = sorted(requested - held.requested)
        if added and held.requested:
            return f"this version requests more permissions (added: {', '.join(added)}); {what}"
        asked = ", ".join(sorted(self.policy.needs_decision(name, requested)))
        return f"needs review: it requests {asked}; {what}"

    def _report(self, plugin: Plugin, requested: frozenset[str],
                granted: frozenset[str]) -> None:
        """Tell the plugin's log what it runs with and what it asked for but lacks."""
        missing = sorted(requested - granted)
        if not missing:
            return
        notes = []
        for permission in missing:
            refusal = self.policy.refusal(plugin.name, permission)
            notes.append(f"{permission} ({refusal or 'not granted by the admin'})")
        plugin.scope.log("warn", "runs without: " + "; ".join(notes)
                         + (f"; granted: {', '.join(sorted(granted))}" if granted else ""))

