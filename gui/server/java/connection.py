"""A network player's side of ``players.Connection``: what the server says, as packets.

:class:`NetworkConnection` is what a Java Edition client's :class:`Player`
talks to, exactly as a playtest player talks to ``PlaytestConnection``:
``deliver(kind, text)`` becomes System Chat, a title, the action bar or a
disconnect; ``apply(change)`` becomes a teleport, a game-mode change, a
sound or the tab list's header and footer. Before the client is in the play
state (the server admits a player at login, and plugins may greet it while
it still loads), deliveries wait in a queue and are sent once it plays.

Writes never wait: a client that stops reading while the server's buffer
for it passes :data:`MAX_BUFFERED` is disconnected, so one stalled client
cannot grow the server's memory or slow the others.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from gui.server.java import nbt
from gui.server.java.version import GameVersion
from gui.server.java.wire import PacketWriter, encode_frame
from gui.server.players import (
    GAMEMODES,
    GamemodeChange,
    Player,
    PlayerChange,
    Sound,
    TabListText,
    Teleport,
)
from gui.server.text import TextComponent
from gui.server.world import Position

log = logging.getLogger(__name__)

MAX_BUFFERED = 16 * 1024 * 1024
DISCONNECT_LINGER = 2.0  # seconds a kicked client has to read why, before the socket closes
SOUND_CATEGORIES = ("master", "music", "records", "weather", "blocks", "hostile", "neutral",
                    "players", "ambient", "voice", "ui")  # the wire's order


def gamemode_id(gamemode: str) -> int:
    """The wire id of a game mode (survival 0, creative 1, adventure 2, spectator 3)."""
    return GAMEMODES.index(gamemode) if gamemode in GAMEMODES else 0


def ability_flags(gamemode: str) -> int:
    """Player Abilities flags: invulnerable 1, flying 2, may fly 4, creative 8."""
    return {"creative": 0x0D, "spectator": 0x07}.get(gamemode, 0)


class NetworkConnection:
    """The connection of one Java Edition client.

    Attributes:
        address: ``"ip:port"`` of the client.
        state: ``"login"``, ``"configuration"``, ``"play"`` or ``"closed"``.
        threshold: The compression threshold once compression is on.
        teleport_id: The last teleport sent; movement is ignored until it is confirmed.
    """

    def __init__(self, writer: asyncio.StreamWriter, address: str,
                 version: GameVersion) -> None:
        self.address = address
        self.version = version
        self.state = "login"
        self.threshold: int | None = None
        self.teleport_id = 0
        self.awaiting_teleport = False
        self.closed_reason: str | None = None
        self.player: Player | None = None  # once the server admitted it
        self.on_teleport: Callable[[Position], None] | None = None  # the play session's
        self._writer = writer
        self._pending: list[tuple[str, object]] = []
        self._out = {state: version.clientbound(state)
                     for state in ("login", "configuration", "play")}
        self._sound_ids = {name.replace(".", "-").replace("_", "-"): index + 1
                           for index, name in enumerate(version.sounds)}

    # -- sending --------------------------------------------------------------

    def packet(self, name: str) -> PacketWriter:
        """A writer for the packet ``name`` of the current state (sent nowhere once closed)."""
        return PacketWriter(self._out.get(self.state, self._out["play"])[name])

    def packet_id(self, state: str, name: str) -> int:
        return self._out[state][name]

    def send(self, writer: PacketWriter) -> None:
        self.send_frame(encode_frame(writer.body, self.threshold))

    def send_body(self, body: bytes) -> None:
        """Send a packet body built before (shared by every connection)."""
        self.send_frame(encode_frame(body, self.threshold))

    def send_frame(self, frame: bytes) -> None:
        if self.state == "closed":
            return
        self._writer.write(frame)
        transport = self._writer.transport
        if transport is not None and transport.get_write_buffer_size() > MAX_BUFFERED:
            self.close(f"it read nothing while {MAX_BUFFERED // (1024 * 1024)} MiB waited")

    async def drain(self) -> None:
        if self.state != "closed":
            await self._writer.drain()

    def close(self, reason: str, *, linger: float = 0.0) -> None:
        """Close the socket (idempotent); ``reason`` says why, for the console.

        With ``linger``, the sending side is shut first and the socket closed
        that many seconds later (or when the client closes it): closing a
        socket with unread input makes the kernel send a reset, and a client
        that is still sending (movement) would then lose the disconnect
        packet just sent, the reason with it.
        """
        if self.state == "closed":
            return
        self.state = "closed"
        self.closed_reason = reason
        transport = self._writer.transport
        if linger > 0 and transport is not None and transport.can_write_eof():
            transport.write_eof()  # the client reads what was sent, then sees the end
            asyncio.get_running_loop().call_later(linger, self._writer.close)
        else:
            self._writer.close()

    # -- players.Connection -----------------------------------------------------

    def deliver(self, kind: str, text: TextComponent) -> None:
        """Send a message; a ``"kick"`` disconnects in whatever state the client is."""
        if kind == "kick":
            self.disconnect(text)
        elif self.state != "play":
            self._pending.append(("deliver", (kind, text)))
        elif kind == "title":
            self.send(self.packet("set_title_text").raw(nbt.text_bytes(text)))
        elif kind == "subtitle":
            self.send(self.packet("set_title_subtitle").raw(nbt.text_bytes(text)))
        elif kind == "actionbar":
            self.send(self.packet("action_bar").raw(nbt.text_bytes(text)))
        else:
            self.send(self.packet("system_chat").raw(nbt.text_bytes(text)).bool(False))

    def apply(self, change: PlayerChange) -> None:
        if self.state != "play":
            self._pending.append(("apply", change))
            return
        if isinstance(change, Teleport):
            self.teleport(change)
            if self.on_teleport is not None:  # chunks around the new place, at once
                self.on_teleport(change.position)
        elif isinstance(change, GamemodeChange):
            self.send(self.packet("game_state_change").u8(3)
                      .f32(float(gamemode_id(change.gamemode))))
            self.send(self.abilities(change.gamemode))
        elif isinstance(change, Sound):
            self._sound(change)
        elif isinstance(change, TabListText):
            self.send(self.packet("playerlist_header").raw(nbt.text_bytes(change.header))
                      .raw(nbt.text_bytes(change.footer)))

    def flush_pending(self) -> None:
        """Send what waited for the play state, in order."""
        pending, self._pending = self._pending, []
        for what, value in pending:
            if what == "deliver":
                kind, text = value  # type: ignore[misc]
                self.deliver(kind, text)
            else:
                self.apply(value)  # type: ignore[arg-type]

    # -- play packets used in more than one place --------------------------------

    def disconnect(self, reason: TextComponent) -> None:
        """Tell the client why, in the form its state reads, and close."""
        if self.state == "login":
            self.send(self.packet("disconnect").string(reason.to_json()))
        elif self.state == "configuration":
            self.send(self.packet("disconnect").raw(nbt.text_bytes(reason)))
        elif self.state == "play":
            self.send(self.packet("kick_disconnect").raw(nbt.text_bytes(reason)))
        self.close(f"disconnected: {reason.plain()}", linger=DISCONNECT_LINGER)

    def abilities(self, gamemode: str) -> PacketWriter:
        return self.packet("abilities").i8(ability_flags(gamemode)).f32(0.05).f32(0.1)

    def teleport(self, change: Teleport) -> None:
        """Synchronize Player Position; movement waits for the client's confirmation."""
        self.teleport_id += 1
        self.awaiting_teleport = True
        x, y, z = change.position
        self.send(self.packet("position").varint(self.teleport_id).f64(x).f64(y).f64(z)
                  .f64(0.0).f64(0.0).f64(0.0).f32(change.yaw).f32(change.pitch).u32(0))

    def _sound(self, sound: Sound) -> None:
        sound_id = self._sound_ids.get(sound.name.replace(".", "-").replace("_", "-"))
        writer = self.packet("sound_effect")
        if sound_id is None:  # not a sound of this version: send it by name
            name = sound.name if ":" in sound.name else f"minecraft:{sound.name}"
            writer.varint(0).string(name).bool(False)
        else:
            writer.varint(sound_id)
        category = SOUND_CATEGORIES.index(sound.category) \
            if sound.category in SOUND_CATEGORIES else 0
        x, y, z = self.player.position if self.player is not None else (0.0, 0.0, 0.0)
        self.send(writer.varint(category).i32(int(x * 8)).i32(int(y * 8)).i32(int(z * 8))
                  .f32(sound.volume).f32(sound.pitch).i64(random.getrandbits(63)))
