"""Permission nodes (``"myplugin:command.home"``) and their defaults.

Plugins register nodes through Pumpkin's ``context.register-permission``.
Until per-player grants exist, a node's default decides: ``allow``,
``deny``, or ``op`` with a minimum op level. A node nobody registered is
granted to ops of level 2 and up.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULTS: tuple[str, ...] = ("allow", "deny", "op")
UNREGISTERED_NODE_LEVEL = 2


@dataclass(frozen=True)
class PermissionNode:
    """A registered permission node.

    Attributes:
        node: The full name, e.g. ``"myplugin:command.home"``.
        owner: ``"builtin"`` or the plugin that registered it.
        default: ``"allow"``, ``"deny"`` or ``"op"``.
        op_level: With ``default="op"``, the minimum op level.
        description: What the permission allows.
    """

    node: str
    owner: str
    default: str = "op"
    op_level: int = 2
    description: str = ""

    def __post_init__(self) -> None:
        if self.default not in DEFAULTS:
            raise ValueError(f"Permission {self.node!r}: default must be one of "
                             f"{', '.join(DEFAULTS)}, not {self.default!r}")
        if not 0 <= self.op_level <= 4:
            raise ValueError(f"Permission {self.node!r}: op level must be 0-4")

    def grants(self, level: int) -> bool:
        """Whether a sender of op ``level`` has this permission by default."""
        if self.default == "allow":
            return True
        if self.default == "deny":
            return False
        return level >= self.op_level


class PermissionRegistry:
    """The permission nodes registered by the server and its plugins."""

    def __init__(self) -> None:
        self._nodes: dict[str, PermissionNode] = {}

    def register(self, node: PermissionNode) -> None:
        """Register (or, for the same owner, replace) a node.

        Raises:
            ValueError: Another owner registered the same node.
        """
        existing = self._nodes.get(node.node)
        if existing is not None and existing.owner != node.owner:
            raise ValueError(
                f"Permission {node.node!r} of {node.owner!r} is already registered by "
                f"{existing.owner!r}; use a node name prefixed with your plugin's name"
            )
        self._nodes[node.node] = node

    def unregister_owner(self, owner: str) -> int:
        """Remove every node of ``owner``; return how many there were."""
        gone = [name for name, node in self._nodes.items() if node.owner == owner]
        for name in gone:
            del self._nodes[name]
        return len(gone)

    def get(self, node: str) -> PermissionNode | None:
        """The registered node called ``node``, or ``None``."""
        return self._nodes.get(node)

    def check(self, node: str, level: int) -> bool:
        """Whether op ``level`` has ``node`` (see the module docstring)."""
        registered = self._nodes.get(node)
        if registered is None:
            return level >= UNREGISTERED_NODE_LEVEL
        return registered.grants(level)

    def nodes(self) -> list[PermissionNode]:
        """All registered nodes, sorted by name."""
        return sorted(self._nodes.values(), key=lambda n: n.node)
