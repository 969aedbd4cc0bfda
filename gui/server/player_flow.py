"""Players coming, talking and going: every step through an event plugins may change.

The players part of :class:`~gui.server.instance.ServerInstance` (a mixin,
like the parts of the plugin manager): join with its checks (bans, IP bans,
whitelist, server full) and ``PlayerLoginEvent`` / ``PlayerJoinEvent``, leave
and kick with ``PlayerLeaveEvent``, chat with ``PlayerChatEvent`` and
broadcasts with ``ServerBroadcastEvent``. The server acts on the event it
gets back.
"""

from __future__ import annotations

from gui.server.addresses import ip_of
from gui.server.events import (
    PlayerChatEvent,
    PlayerJoinEvent,
    PlayerLeaveEvent,
    PlayerLoginEvent,
    ServerBroadcastEvent,
)
from gui.server.players import Connection, Player, is_valid_name
from gui.server.state import ServerState
from gui.server.text import TextComponent

SOURCE = "server"


class PlayerFlowPart:
    """Join, leave, kick, chat and broadcast (part of ServerInstance)."""

    def _refuse(self, name: str, connection: Connection, reason: TextComponent) -> None:
        connection.deliver("kick", reason)
        self.console.info(SOURCE, f"Disconnecting {name}: {reason.plain()}")

    async def join(self, name: str, connection: Connection) -> Player | None:
        """Let a player join: checks, ``PlayerLoginEvent``, then ``PlayerJoinEvent``.

        A refused player gets a ``"kick"`` delivery with the reason: the
        server is not running, invalid name, banned, IP banned (a connection
        with an ``address`` "ip:port"), not whitelisted (ops may always join),
        a ban list or the whitelist cannot be read (ops may still join), server
        full, or the login event was cancelled (its ``kick_message``). A player
        already online with the same name is kicked first. Unless the join
        event is cancelled, its message (yellow "NAME joined the game") goes
        to everyone.

        Returns:
            The player, or ``None`` when refused.
        """
        if self.state is not ServerState.RUNNING:
            self._refuse(name, connection, TextComponent.of("The server is not running"))
            return None
        if not is_valid_name(name):
            self._refuse(name, connection, TextComponent.of(
                f"Invalid player name '{name}': use 1-16 letters, digits or _"))
            return None
        player = Player(name, connection, levels=self.ops)
        # Bans, IP bans (of any connection with an address) and the whitelist, failing closed.
        refusal = self.access.login_refusal(
            player.uuid, ip_of(getattr(connection, "address", None)),
            whitelist_on=self.config.white_list)
        if refusal:
            self._refuse(name, connection, TextComponent.of(refusal))
            return None
        op = self.ops.get(player.uuid)
        if (len(self.players) >= self.config.max_players
                and not (op is not None and op.bypasses_player_limit)):
            self._refuse(name, connection, TextComponent.of("The server is full!"))
            return None
        login = await self.events.fire(PlayerLoginEvent(
            player, TextComponent.of("You are not allowed to join this server.")))
        if login.cancelled:
            self._refuse(name, connection, login.kick_message)
            return None
        if self.state is not ServerState.RUNNING:
            self._refuse(name, connection, TextComponent.of("The server is not running"))
            return None
        previous = self.players.get(name) or self.players.by_uuid(player.uuid)
        if previous is not None:
            self.kick(previous, TextComponent.of("You logged in from another location"))
        self.players.add(player)
        where = f"[{connection.address}]" if connection.address else ""
        self.console.info(SOURCE, f"{name}{where} ({player.uuid}) logged in")
        self._notify("player-joined", player)
        joined = await self.events.fire(PlayerJoinEvent(
            player, TextComponent.of(f"{name} joined the game", color="yellow")))
        if not joined.cancelled:
            self._announce(joined.join_message)
        return player

    async def leave(self, player: Player) -> None:
        """A player leaves: ``PlayerLeaveEvent``, then (unless cancelled) "NAME left the game"."""
        if not self.players.remove(player):
            return
        await self._after_leave(player)

    async def _after_leave(self, player: Player) -> None:
        self._notify("player-left", player)
        event = await self.events.fire(PlayerLeaveEvent(
            player, TextComponent.of(f"{player.name} left the game", color="yellow")))
        if not event.cancelled:
            self._announce(event.leave_message)

    def kick(self, player: Player, reason: TextComponent | str) -> None:
        """Disconnect ``player`` with ``reason``; the leave event follows in the background."""
        if not self.players.remove(player):
            return
        if isinstance(reason, str):
            reason = TextComponent.of(reason)
        player.send_message(reason, "kick")
        self.console.info(SOURCE, f"{player.name} lost connection: {reason.plain()}")
        try:
            self._spawn(self._after_leave(player))
        except RuntimeError:
            # Called without a running loop (a plain script): no leave event then.
            self._notify("player-left", player)

    def _announce(self, text: TextComponent) -> None:
        for player in self.players:
            player.send_message(text, "system")
        self.console.info(SOURCE, text.plain(), text=text)

    async def chat(self, player: Player, message: str) -> bool:
        """``player`` says ``message`` (after ``PlayerChatEvent``).

        Unless cancelled, ``<NAME> message`` (the event's message) goes as
        ``"chat"`` to each of the event's recipients still online, and to the
        console.

        Returns:
            Whether the message was delivered.
        """
        if player not in self.players or not message.strip():
            return False
        event = await self.events.fire(PlayerChatEvent(player, message, list(self.players)))
        if event.cancelled:
            self.console.info(SOURCE, f"Chat from {player.name} cancelled by a plugin: {message}")
            return False
        text = TextComponent.of(f"<{player.name}> {event.message}")
        for recipient in event.recipients:
            if recipient in self.players:
                recipient.send_message(text, "chat")
        self.console.info(SOURCE, text.plain(), text=text)
        return True

    async def broadcast(self, message: TextComponent,
                        sender: TextComponent | None = None) -> bool:
        """Send ``message`` to everyone (after ``ServerBroadcastEvent``).

        Args:
            message: The message, delivered as ``"system"``.
            sender: Who broadcasts; defaults to "Server".

        Returns:
            Whether it was delivered (not cancelled).
        """
        if sender is None:
            sender = TextComponent.of("Server")
        event = await self.events.fire(ServerBroadcastEvent(message, sender))
        if event.cancelled:
            return False
        self._announce(event.message)
        return True
