"""Players, their connections and the list of who is online.

A :class:`Player` talks to the outside world only through a
:class:`Connection`: a game client, the GUI, or a :class:`PlaytestConnection`
that prints everything the player receives to the console, so plugins can be
tried without a game client.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid as _uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from gui.server.addresses import ip_of
from gui.server.config import GAMEMODES
from gui.server.console import ConsoleLog
from gui.server.text import TextComponent
from gui.server.world import Position

# "title", "subtitle" and "actionbar" are shown on the player's screen, not in chat.
MESSAGE_KINDS: tuple[str, ...] = ("chat", "system", "feedback", "kick", "title", "subtitle",
                                  "actionbar")
_NAME = re.compile(r"[A-Za-z0-9_]{1,16}")


def offline_uuid(name: str) -> _uuid.UUID:
    """Return the offline-mode UUID of ``name``, exactly as vanilla computes it.

    Java's ``UUID.nameUUIDFromBytes("OfflinePlayer:" + name)``: the MD5 of the
    UTF-8 bytes with the version-3 and IETF variant bits set.
    """
    digest = hashlib.md5(f"OfflinePlayer:{name}".encode(), usedforsecurity=False).digest()
    return _uuid.UUID(bytes=digest, version=3)


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid player name (1-16 of ``A-Z a-z 0-9 _``)."""
    return _NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class GameProfile:
    """A player's identity, online or not (what ops and bans refer to)."""

    name: str
    uuid: _uuid.UUID

    @classmethod
    def offline(cls, name: str) -> GameProfile:
        """The profile of ``name`` in offline mode."""
        return cls(name, offline_uuid(name))


@dataclass(frozen=True)
class Teleport:
    """The server moved the player."""

    position: Position
    yaw: float
    pitch: float


@dataclass(frozen=True)
class GamemodeChange:
    gamemode: str


@dataclass(frozen=True)
class Sound:
    """A sound played to the player where it stands (``name``: ``"block.note_block.bell"``)."""

    name: str
    category: str
    volume: float
    pitch: float


@dataclass(frozen=True)
class TabListText:
    """The text above and below the player's tab list."""

    header: TextComponent
    footer: TextComponent


PlayerChange = Teleport | GamemodeChange | Sound | TabListText


class Connection(Protocol):
    """Where a player's messages go (a client, the GUI, a playtest).

    Attributes:
        address: ``"ip:port"`` of a network client; ``None`` for a playtest player.
    """

    address: str | None

    def deliver(self, kind: str, text: TextComponent) -> None:
        """Deliver a message.

        Args:
            kind: ``"chat"``, ``"system"``, ``"feedback"`` (command output),
                ``"title"``, ``"subtitle"``, ``"actionbar"``, or ``"kick"`` (the
                player is being disconnected).
            text: The message.
        """
        ...

    def apply(self, change: PlayerChange) -> None:
        """Show the client a change of the player's state (already made on the server)."""
        ...


class PlaytestConnection:
    """A virtual client that writes everything it receives to the console.

    Each delivery becomes one console line of source ``"playtest"`` with the
    message ``f"{name} <- {kind}: {text.plain()}"``. Scripts and tests grep
    this format: keep it stable.

    Attributes:
        name: The player's name.
        received: Every delivery, in order, as ``(kind, text)``.
    """

    address = None

    def __init__(self, console: ConsoleLog, name: str) -> None:
        """Create the connection.

        Args:
            console: Where deliveries are printed.
            name: The name of the player using this connection.
        """
        self.console = console
        self.name = name
        self.received: list[tuple[str, TextComponent]] = []

    def deliver(self, kind: str, text: TextComponent) -> None:
        """Print the delivery to the console (see the class docstring)."""
        self.received.append((kind, text))
        self.console.info("playtest", f"{self.name} <- {kind}: {text.plain()}", text=text)

    def apply(self, change: PlayerChange) -> None:
        """Print a state change as ``NAME <- teleport: x y z`` (and so on)."""
        if isinstance(change, Teleport):
            x, y, z = change.position
            detail = f"teleport: {x:g} {y:g} {z:g}"
        elif isinstance(change, GamemodeChange):
            detail = f"gamemode: {change.gamemode}"
        elif isinstance(change, Sound):
            detail = f"sound: {change.name}"
        else:
            detail = f"tab list: {change.header.plain()} / {change.footer.plain()}"
        self.console.info("playtest", f"{self.name} <- {detail}")


class LevelSource(Protocol):
    """Answers a player's permission level (the server's op list)."""

    def level_of(self, uuid: _uuid.UUID) -> int:
        """Return the op level of ``uuid`` (0 when not an op)."""
        ...


class Player:
    """A player connected to the server.

    Attributes:
        name: The player's name.
        uuid: The offline-mode UUID (see :func:`offline_uuid`).
        connection: Where messages to this player go.
        joined_at: When the player joined (``time.time()``).
    """

    def __init__(
        self,
        name: str,
        connection: Connection,
        *,
        levels: LevelSource | None = None,
        uuid: _uuid.UUID | None = None,
    ) -> None:
        """Create a player.

        Args:
            name: The player's name.
            connection: Where messages to the player go.
            levels: Where :attr:`permission_level` is read (the op list);
                ``None`` means level 0.
            uuid: The UUID; defaults to the offline-mode UUID of ``name``.
        """
        self.name = name
        self.uuid = uuid if uuid is not None else offline_uuid(name)
        self.connection = connection
        self.joined_at = time.time()
        self._levels = levels
        self.position = Position(0.5, -60.0, 0.5)
        self.yaw = 0.0
        self.pitch = 0.0
        self.gamemode = "survival"
        self.ping_ms = 0  # the last keep-alive round trip (0: no network client)

    def __repr__(self) -> str:
        return f"Player({self.name!r}, {self.uuid})"

    @property
    def address(self) -> str | None:
        """``"ip:port"`` of the player's client; ``None`` for a playtest player."""
        return self.connection.address

    @property
    def ip(self) -> str | None:
        """The IP address of the player's client (``None`` for a playtest player)."""
        return ip_of(self.connection.address)

    def teleport(self, position: Position, yaw: float | None = None,
                 pitch: float | None = None) -> None:
        """Move the player (its client follows)."""
        self.position = position
        self.yaw = self.yaw if yaw is None else yaw
        self.pitch = self.pitch if pitch is None else pitch
        self.connection.apply(Teleport(position, self.yaw, self.pitch))

    def set_gamemode(self, gamemode: str) -> bool:
        """Change the game mode; returns whether it changed.

        Raises:
            ValueError: Not one of :data:`GAMEMODES`.
        """
        if gamemode not in GAMEMODES:
            raise ValueError(f"Unknown game mode {gamemode!r}: use one of {', '.join(GAMEMODES)}")
        if gamemode == self.gamemode:
            return False
        self.gamemode = gamemode
        self.connection.apply(GamemodeChange(gamemode))
        return True

    @property
    def profile(self) -> GameProfile:
        """The player's :class:`GameProfile`."""
        return GameProfile(self.name, self.uuid)

    @property
    def permission_level(self) -> int:
        """The op level, 0-4, read from the server's ops on every access."""
        return self._levels.level_of(self.uuid) if self._levels is not None else 0

    def send_message(self, text: TextComponent | str, kind: str = "system") -> None:
        """Deliver a message to the player's connection.

        Args:
            text: The message (a string becomes unstyled text).
            kind: One of :data:`MESSAGE_KINDS`.

        Raises:
            ValueError: ``kind`` is not one of the message kinds.
        """
        if kind not in MESSAGE_KINDS:
            raise ValueError(
                f"Unknown message kind {kind!r}: use one of {', '.join(MESSAGE_KINDS)}")
        component = TextComponent.of(text) if isinstance(text, str) else text
        self.connection.deliver(kind, component)


class PlayerList:
    """The players online, found by name (case-insensitive) or UUID.

    Iteration yields players in join order.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, Player] = {}
        self._by_uuid: dict[_uuid.UUID, Player] = {}

    def add(self, player: Player) -> None:
        """Add a player.

        Raises:
            ValueError: A player with that name or UUID is already online.
        """
        if player.name.lower() in self._by_name or player.uuid in self._by_uuid:
            raise ValueError(f"A player named {player.name!r} is already online")
        self._by_name[player.name.lower()] = player
        self._by_uuid[player.uuid] = player

    def remove(self, player: Player) -> bool:
        """Remove a player; return whether it was online."""
        if self._by_uuid.get(player.uuid) is not player:
            return False
        del self._by_uuid[player.uuid]
        del self._by_name[player.name.lower()]
        return True

    def get(self, name: str) -> Player | None:
        """Return the online player called ``name`` (any case), or ``None``."""
        return self._by_name.get(name.lower())

    def by_uuid(self, uuid: _uuid.UUID) -> Player | None:
        """Return the online player with ``uuid``, or ``None``."""
        return self._by_uuid.get(uuid)

    def names(self) -> list[str]:
        """The names of the players online, in join order."""
        return [player.name for player in self._by_name.values()]

    @property
    def count(self) -> int:
        """How many players are online."""
        return len(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[Player]:
        return iter(list(self._by_name.values()))

    def __contains__(self, player: object) -> bool:
        return isinstance(player, Player) and self._by_uuid.get(player.uuid) is player
