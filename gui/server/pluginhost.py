"""What the server needs from the plugin system, as a Protocol.

The plugin manager (``gui.plugins``) implements :class:`PluginHost` and is
set as ``ServerInstance.plugin_host``; the server never imports it.
"""

from __future__ import annotations

from typing import Protocol


class PluginHost(Protocol):
    """The plugin system as the ``plugins`` and ``plugin reload`` commands see it."""

    def plugin_summaries(self) -> list[tuple[str, str, str]]:
        """Every installed plugin as ``(name, version, state)``.

        Example: ``[("greeter", "1.0.0", "running")]``.
        """
        ...

    async def reload_plugin(self, name: str) -> str:
        """Reload plugin ``name``; return a message for the admin (success or why not)."""
        ...


class NoPluginHost:
    """The plugin host until the plugin system is attached: no plugins."""

    def plugin_summaries(self) -> list[tuple[str, str, str]]:
        return []

    async def reload_plugin(self, name: str) -> str:
        return f"Cannot reload '{name}': the plugin system is not running."
