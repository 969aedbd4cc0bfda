"""Who runs a command: the console or a player.

Command executors talk back through :meth:`CommandSender.send_message`; a
:class:`ConsoleSender` writes to the console (source ``"server"``), a
:class:`PlayerSender` delivers to the player's connection.
"""

from __future__ import annotations

from gui.server.console import ConsoleLog
from gui.server.permission_nodes import PermissionRegistry
from gui.server.players import Player
from gui.server.text import TextComponent


class CommandSender:
    """Base class of command senders.

    Attributes:
        name: Shown in messages (``"Server"`` for the console).
        is_console: Whether this is the server console.
        player: The player behind this sender, or ``None``.
    """

    name: str = "Unknown"
    is_console: bool = False
    player: Player | None = None

    def __init__(self, *, permissions: PermissionRegistry | None = None) -> None:
        """Create the sender.

        Args:
            permissions: The registry :meth:`has_permission` consults; ``None``
                means no registered nodes (level-based only).
        """
        self._permissions = permissions if permissions is not None else PermissionRegistry()

    @property
    def permission_level(self) -> int:
        """The op level, 0-4."""
        return 0

    def send_message(self, text: TextComponent | str, kind: str = "feedback") -> None:
        """Send a message to the sender (a string becomes unstyled text)."""
        raise NotImplementedError

    def send_error(self, text: TextComponent | str) -> None:
        """Send an error: red text, of kind ``"feedback"``."""
        if isinstance(text, str):
            text = TextComponent.of(text, color="red")
        self.send_message(text, "feedback")

    def has_permission_level(self, level: int) -> bool:
        """Whether the sender's op level is at least ``level``."""
        return self.permission_level >= level

    def has_permission(self, node: str) -> bool:
        """Whether the sender has the permission ``node``.

        For now level-based: a registered node's default decides (``allow``,
        ``deny`` or a minimum op level); an unregistered node needs op level 2.
        """
        return self._permissions.check(node, self.permission_level)


class ConsoleSender(CommandSender):
    """The server console: level 4, output to the console as ``"server"``."""

    name = "Server"
    is_console = True

    def __init__(self, console: ConsoleLog, *,
                 permissions: PermissionRegistry | None = None) -> None:
        """Create the console sender.

        Args:
            console: Where feedback is written.
            permissions: See :class:`CommandSender`.
        """
        super().__init__(permissions=permissions)
        self.console = console

    @property
    def permission_level(self) -> int:
        return 4

    def has_permission(self, node: str) -> bool:
        """The console has every permission."""
        return True

    def send_message(self, text: TextComponent | str, kind: str = "feedback") -> None:
        component = TextComponent.of(text) if isinstance(text, str) else text
        self.console.info("server", component.plain(), text=component)

    def send_error(self, text: TextComponent | str) -> None:
        component = TextComponent.of(text, color="red") if isinstance(text, str) else text
        self.console.warn("server", component.plain(), text=component)


class PlayerSender(CommandSender):
    """A player running a command: the player's op level, output to its connection."""

    def __init__(self, player: Player, *, permissions: PermissionRegistry | None = None) -> None:
        """Create the sender for ``player``.

        Args:
            player: The player.
            permissions: See :class:`CommandSender`.
        """
        super().__init__(permissions=permissions)
        self.player = player
        self.name = player.name

    @property
    def permission_level(self) -> int:
        assert self.player is not None
        return self.player.permission_level

    def send_message(self, text: TextComponent | str, kind: str = "feedback") -> None:
        assert self.player is not None
        self.player.send_message(text, kind)
