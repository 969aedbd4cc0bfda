"""Admin actions on a running server's plugin permissions.

The window (and tests) call these; each records the decision in the
:class:`GrantStore` and then makes the running plugins match it:

- approve / set grants: the plugin reloads (on-unload, then load) with
  exactly the granted set; for a held update, the staged version replaces
  the running one;
- decline: the plugin is reloaded into DECLINED (on-load never runs); for a
  held update, the update is dropped and the running version stays;
- grant / revoke one permission: recorded, and a running plugin reloads
  with the new set.

:meth:`PermissionService.watch` applies changes made by another process
(``pumpkin-patch plugin grant ...`` while the server runs) the same way, and
:meth:`PermissionService.use_policy` a changed admin policy (config.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from gui.paths import sha256_of
from gui.permissions.admission import decide
from gui.permissions.gate import sandbox_for
from gui.permissions.grants import Decision, DecisionState, GrantError, GrantStore
from gui.permissions.policy import PermissionPolicy
from gui.permissions.review import ReviewRequest, build_review
from gui.plugins.lifecycle import PluginState
from gui.plugins.manager import PluginManager
from gui.plugins.registry import Plugin

log = logging.getLogger(__name__)

# States in which a plugin holds an instance that must pick up new grants.
_LIVE = frozenset({PluginState.RUNNING, PluginState.TRAPPED, PluginState.RESTARTING})


class PermissionService:
    """Review, approve, decline, grant and revoke, applied to the running plugins."""

    def __init__(self, store: GrantStore, policy: PermissionPolicy,
                 manager: PluginManager) -> None:
        self.store = store
        self.policy = policy
        self.manager = manager
        # One admin action at a time; the watcher waits for them too.
        self._lock = asyncio.Lock()

    def review(self, name: str, *, signature: str = "unknown",
               signer: str | None = None) -> ReviewRequest:
        """The review of plugin ``name``: its held update if it has one, else itself.

        Raises:
            GrantError: the plugin's metadata could not be read (it failed to load).
        """
        plugin = self.manager.get(name)
        pending = plugin.pending_update
        metadata = pending.metadata if pending else plugin.metadata
        sha256 = pending.sha256 if pending else plugin.sha256
        if metadata is None:
            raise GrantError(f"{plugin.name} has no metadata to review "
                             f"({plugin.error or plugin.state}); fix or remove its .wasm")
        previous = self.store.decision(plugin.name)
        return build_review(metadata, previous=previous if previous.decided else None,
                            policy=self.policy, signature=signature, signer=signer,
                            sha256=sha256)

    async def approve(self, name: str, granted: Iterable[str]) -> Plugin:
        """Approve ``name`` (or its held update) with exactly ``granted``, and load it."""
        async with self._lock:
            return await self._approve(name, granted)

    async def _approve(self, name: str, granted: Iterable[str]) -> Plugin:
        plugin = self.manager.get(name)
        granted = frozenset(granted)
        if plugin.pending_update is not None:
            await self.manager.apply_staged_update(plugin.name, granted)
            return plugin
        if plugin.metadata is None:
            raise GrantError(f"{plugin.name} cannot be approved: its metadata could not be "
                             f"read ({plugin.error or plugin.state})")
        self.store.approve(plugin.name, plugin.sha256, plugin.metadata.permissions, granted)
        await self.manager.reload(plugin.name)
        return plugin

    async def decline(self, name: str) -> Plugin:
        """Decline ``name``: it stops and never runs on-load (a held update is dropped)."""
        async with self._lock:
            return await self._decline(name)

    async def _decline(self, name: str) -> Plugin:
        plugin = self.manager.get(name)
        if plugin.pending_update is not None:
            await self.manager.discard_staged_update(plugin.name)
            return plugin
        requested = plugin.metadata.permissions if plugin.metadata else ()
        self.store.decline(plugin.name, plugin.sha256, requested)
        await self.manager.reload(plugin.name)
        return plugin

    async def grant(self, name: str, permission: str) -> Decision:
        """Grant one more permission; a running plugin reloads with it."""
        return await self._change(name, lambda plugin: self.store.grant(plugin, permission))

    async def revoke(self, name: str, permission: str) -> Decision:
        """Take one permission away; a running plugin reloads without it."""
        return await self._change(name, lambda plugin: self.store.revoke(plugin, permission))

    async def _change(self, name: str, change: Callable[[str], Decision]) -> Decision:
        async with self._lock:
            plugin = self.manager.get(name)
            decision = change(plugin.name)
            if plugin.state in _LIVE and decision.state is DecisionState.APPROVED:
                await self.manager.reload(plugin.name)
            return decision

    async def sync(self) -> list[str]:
        """Make the plugins match the stored decisions; returns the names reloaded.

        For decisions changed behind the manager's back (another process): a
        running plugin whose effective grants differ, or that was declined,
        reloads; a held plugin that is now approved loads; an update approved
        or dropped elsewhere is taken in or forgotten. Nothing happens while
        the grants file is damaged.
        """
        async with self._lock:
            if self.store.damaged:
                return []
            reloaded = []
            for plugin in list(self.manager.plugins.values()):
                try:
                    if await self._sync_one(plugin):
                        reloaded.append(plugin.name)
                except Exception:
                    log.exception("applying the grants of %s failed", plugin.name)
            return reloaded

    async def _sync_one(self, plugin: Plugin) -> bool:
        pending = plugin.pending_update
        if pending is not None and not pending.staged_path.exists():
            plugin.pending_update = None  # approved or dropped from the command line
            on_disk = await asyncio.to_thread(sha256_of, plugin.path) \
                if plugin.path.exists() else None
            if on_disk is not None and on_disk != plugin.sha256:
                await self.manager.unload(plugin.name)
                plugin.linked = None
                await self.manager.load(plugin.path)
                return True
        if plugin.metadata is None:
            return False
        decision = self.store.decision(plugin.name)
        state = plugin.state
        if state is PluginState.RUNNING:
            if decision.state is DecisionState.DECLINED or (
                    decision.state is DecisionState.APPROVED
                    and decision.sha256 == plugin.sha256
                    and self.policy.effective(plugin.name, plugin.metadata.permissions,
                                              decision.granted) != plugin.scope.granted):
                await self.manager.reload(plugin.name)
                return True
        elif state in (PluginState.NEEDS_REVIEW, PluginState.DECLINED):
            held_as = {PluginState.NEEDS_REVIEW: DecisionState.UNDECIDED,
                       PluginState.DECLINED: DecisionState.DECLINED}[state]
            if decision.state is not held_as and (decision.sha256 == plugin.sha256
                                                  or not decision.decided):
                await self.manager.reload(plugin.name)
                return True
        return False

    async def use_policy(self, policy: PermissionPolicy) -> list[str]:
        """Apply a new admin policy; returns the names of the plugins it reloaded.

        A running plugin reloads when the policy changes what it is granted or
        the sandbox those grants create (its http.outbound hosts, its
        environment); a plugin waiting for review loads when the policy now
        approves it. The rest are untouched.
        """
        async with self._lock:
            old, self.policy = self.policy, policy
            reloaded = []
            for plugin in list(self.manager.plugins.values()):
                try:
                    if self._moved_by(plugin, old):
                        await self.manager.reload(plugin.name)
                        reloaded.append(plugin.name)
                except Exception:
                    log.exception("applying the new policy to %s failed", plugin.name)
            return reloaded

    def _moved_by(self, plugin: Plugin, old: PermissionPolicy) -> bool:
        """Whether ``plugin`` must reload to follow the change from ``old`` to ``self.policy``."""
        if plugin.metadata is None:
            return False
        name, requested = plugin.name, frozenset(plugin.metadata.permissions)
        decision = self.store.decision(name, plugin.sha256)
        if plugin.state is PluginState.NEEDS_REVIEW:
            return decide(name, plugin.sha256, requested, decision, self.policy,
                          damaged=self.store.damaged).approved
        # Only a settled, running plugin: one loading or restarting admits under
        # the gate's policy, which is already the new one.
        if plugin.state is not PluginState.RUNNING or decision.state is not DecisionState.APPROVED:
            return False
        held = plugin.scope.granted
        granted = self.policy.effective(name, requested, decision.granted)
        paths = self.manager.paths
        return granted != held or (sandbox_for(name, granted, self.policy, paths)
                                   != sandbox_for(name, held, old, paths))

    async def watch(self, interval: float = 0.5) -> None:
        """Run :meth:`sync` whenever the grants file changes, until cancelled."""
        seen = self.store.version()
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(OSError):
                current = self.store.version()
                if current != seen:
                    seen = current
                    await self.sync()

    def effective(self, name: str) -> frozenset[str]:
        """What ``name`` gets on its next load (stored grants with the policy applied)."""
        plugin = self.manager.get(name)
        decision = self.store.decision(plugin.name)
        if decision.state is not DecisionState.APPROVED or plugin.metadata is None:
            return frozenset()
        return self.policy.effective(plugin.name, plugin.metadata.permissions,
                                     decision.granted)
