"""The admin's permission policy, from ``[plugins]`` in config.toml.

Meaning as in Pumpkin: ``allowed_permissions`` are granted without asking,
``blocked_permissions`` are never granted (blocked wins over an allowed entry
and over the admin's tick), and ``ask_permission_confirmation = false``
approves whatever a plugin requests minus the blocked ones. Per-plugin
``[plugins.overrides.<name>]`` lists add to the global ones. On top of the
admin's policy, this host never grants what it cannot enforce
(:func:`gui.permissions.catalogue.describe`).

Entries are exact names (``sys.env.HOME``), a prefix pattern (``network.*``,
``sys.env.*``) or ``*`` for everything.

Fail closed: when config.toml cannot be read and no last good copy of it
exists (see gui/settings.py), the policy is in *lockdown*: a plugin keeps
what the admin granted it before, nothing is allowed without asking, and
nothing new can be granted until the file is fixed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gui.permissions.catalogue import describe, env_variable
from gui.settings import AppSettings, PluginOverride


def matches(pattern: str, permission: str) -> bool:
    """Whether a policy entry covers ``permission`` (exact, ``prefix.*`` or ``*``)."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return permission.startswith(pattern[:-1])
    return pattern == permission


@dataclass(frozen=True)
class PermissionPolicy:
    """What the admin allows and blocks, globally and per plugin."""

    allowed: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()
    ask: bool = True
    inherit_env: bool = False
    overrides: Mapping[str, PluginOverride] = field(
        default_factory=lambda: MappingProxyType({}))
    lockdown: str = ""  # why nothing new may be granted ("" when the policy was read)

    @classmethod
    def from_settings(cls, settings: AppSettings) -> PermissionPolicy:
        plugins = settings.plugins
        return cls(
            allowed=frozenset(plugins.allowed_permissions),
            blocked=frozenset(plugins.blocked_permissions),
            ask=plugins.ask_permission_confirmation,
            inherit_env=plugins.inherit_env,
            overrides=plugins.overrides,
            lockdown=(f"blocked while {settings.path} cannot be read (fix it)"
                      if settings.fail_closed else ""),
        )

    def _override(self, plugin: str) -> PluginOverride:
        return self.overrides.get(plugin) or PluginOverride()

    def asks(self, plugin: str) -> bool:
        """Whether the admin wants to confirm ``plugin``'s permissions."""
        override = self._override(plugin).ask_permission_confirmation
        return True if self.lockdown else self.ask if override is None else override

    def is_blocked(self, plugin: str, permission: str) -> bool:
        patterns = self.blocked | set(self._override(plugin).blocked_permissions)
        return any(matches(p, permission) for p in patterns)

    def is_allowed(self, plugin: str, permission: str) -> bool:
        """Granted without asking (and not blocked)."""
        if self.lockdown:
            return False
        patterns = self.allowed | set(self._override(plugin).allowed_permissions)
        return (any(matches(p, permission) for p in patterns)
                and not self.is_blocked(plugin, permission))

    def refusal(self, plugin: str, permission: str) -> str:
        """Why ``permission`` can never be granted to ``plugin``; empty if it can."""
        capability = describe(permission)
        if not capability.enforceable:
            return capability.reason
        if self.is_blocked(plugin, permission):
            return "blocked by your policy (blocked_permissions in config.toml)"
        return self.lockdown

    def grantable(self, plugin: str, permission: str) -> bool:
        return not self.refusal(plugin, permission)

    def effective(self, plugin: str, requested: Iterable[str],
                  granted: Iterable[str]) -> frozenset[str]:
        """What ``plugin`` actually gets: the granted or allowed requests that can be granted.

        Args:
            plugin: The plugin's name.
            requested: What its metadata requests.
            granted: What the admin granted (stored decision).
        """
        wanted = frozenset(requested)
        chosen = (frozenset(granted) | {p for p in wanted if self.is_allowed(plugin, p)})
        if self.lockdown:  # what was granted before stays; nothing is added
            return frozenset(p for p in chosen & wanted if describe(p).enforceable
                             and not self.is_blocked(plugin, p))
        return frozenset(p for p in chosen & wanted if self.grantable(plugin, p))

    def without_asking(self, plugin: str, requested: Iterable[str]) -> frozenset[str]:
        """What ``ask_permission_confirmation = false`` grants: requested minus refused."""
        return frozenset(p for p in requested if self.grantable(plugin, p))

    def needs_decision(self, plugin: str, requested: Iterable[str]) -> frozenset[str]:
        """Requested permissions an admin has to decide on (not allowed, not refused).

        In lockdown every enforceable request waits, so nothing is decided for
        the admin while the policy is unknown.
        """
        if self.lockdown:
            return frozenset(p for p in requested if describe(p).enforceable
                             and not self.is_blocked(plugin, p))
        return frozenset(p for p in requested
                         if self.grantable(plugin, p) and not self.is_allowed(plugin, p))

    def http_hosts(self, plugin: str) -> frozenset[str]:
        """The hosts ``http.outbound`` reaches for ``plugin`` (``http_hosts`` in its override)."""
        return frozenset(self._override(plugin).http_hosts)

    def reach(self, plugin: str, permission: str) -> str:
        """What a grant of ``permission`` reaches for ``plugin``, when settings decide it.

        Shown beside the permission by the review dialog, the Permissions tab
        and ``plugin grants``; empty for permissions whose reach is fixed.
        """
        if permission != "http.outbound":
            return ""
        hosts = sorted(self.http_hosts(plugin))
        if hosts:
            return f"only to {', '.join(hosts)}"
        return (f"no hosts are listed for {plugin}, so every request is refused until you add "
                "some: Allowed hosts… on its Permissions tab, or "
                f"pumpkin-patch plugin hosts {plugin} HOST[:PORT] ... "
                f"(http_hosts in [plugins.overrides.{plugin}] of config.toml)")

    def environment(self, plugin: str, granted: Iterable[str]) -> dict[str, str]:
        """The WASI environment of ``plugin`` for its granted permissions.

        ``sys.env`` gives every variable the admin configured for the plugin;
        ``sys.env.<VAR>`` gives that one variable from the configured ones or,
        with ``inherit_env``, the app's own value of that one variable. The
        app's environment as a whole is never exposed.
        """
        granted = frozenset(granted)
        configured = dict(self._override(plugin).environment)
        env: dict[str, str] = dict(configured) if "sys.env" in granted else {}
        for permission in granted:
            var = env_variable(permission)
            if var is None:
                continue
            if var in configured:
                env[var] = configured[var]
            elif self.inherit_env and var in os.environ:
                env[var] = os.environ[var]
        return env
