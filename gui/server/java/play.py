"""The play state of one client: spawn, the world around it, movement, chat, keep-alive.

On entering play the client gets, in this order: Login (play), its
abilities, the command tree it may use, the spawn point, its position,
the tab list (every player online), Game Event 13 "start waiting for level
chunks", the chunks around it (nearest first, in chunk batches), its
health (mineflayer spawns on that) and the time. Then what waited for the
play state (a plugin's greeting) is sent.

While it plays: position packets move the player (``PlayerMoveEvent``
first; a cancelled move is sent back) and stream chunks as it crosses
chunk borders, within the view distance; chat and commands go through the
server like a playtest player's; Tab asks the command dispatcher for
completions (and the command tree is sent again when the player's op level
or the registered commands change); a keep-alive goes out every
:attr:`JavaLimits.keep_alive_s`
and a client that does not answer within :attr:`JavaLimits.timeout_s`, or
sends nothing for that long, is disconnected with "Timed out".
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections.abc import Callable
from typing import Any

from gui.server.events import PlayerMoveEvent
from gui.server.java.chunks import ChunkCache
from gui.server.java.command_tree import command_tree, completions
from gui.server.java.connection import NetworkConnection, gamemode_id
from gui.server.java.limits import JavaLimits
from gui.server.java.version import GameVersion
from gui.server.java.wire import PacketReader, ProtocolError, read_frame
from gui.server.players import Player, Teleport
from gui.server.text import TextComponent
from gui.server.world import Position

PLAY_LIMIT = 256 * 1024  # vanilla allows more for books; nothing here needs it
CHUNK_BATCH = 64
MAX_COORDINATE = 3.0e7  # vanilla's "Invalid move player packet received" bound
MAX_CHAT = 256


class PlaySession:
    """One client in the play state (created once the server admitted its player)."""

    def __init__(self, game: JavaGame, conn: NetworkConnection, player: Player,
                 reader: asyncio.StreamReader, view_distance: int) -> None:
        self.game, self.conn, self.player, self.reader = game, conn, player, reader
        self.server = game.server
        self.view_distance = max(2, min(view_distance, self.server.config.view_distance))
        self.entity_id = game.next_entity_id()
        self.loaded: set[tuple[int, int]] = set()
        self.center: tuple[int, int] | None = None
        self._names = game.version.serverbound("play")
        self._keep_alive: tuple[int, float] | None = None  # (id, sent at)
        self._last_packet = time.monotonic()
        self._streaming: asyncio.Task[None] | None = None
        self._level = player.permission_level  # the level the client's command tree is for
        conn.on_teleport = self._stream

    # -- entering -------------------------------------------------------------

    def enter(self) -> None:
        """Send the spawn sequence (see the module docstring)."""
        conn, player, server, world = self.conn, self.player, self.server, self.game.world
        config = server.config
        player.position = world.spawn
        player.gamemode = config.gamemode
        dimension = self.game.version.registry("minecraft:dimension_type").index(
            "minecraft:overworld")
        conn.send(conn.packet("login").i32(self.entity_id).bool(config.hardcore)
                  .varint(1).string("minecraft:overworld")
                  .varint(config.max_players).varint(self.view_distance)
                  .varint(config.simulation_distance)
                  .bool(False).bool(True).bool(False)  # debug info, respawn screen, crafting
                  .varint(dimension).string("minecraft:overworld").i64(0)
                  .i8(gamemode_id(player.gamemode)).u8(255).bool(False).bool(True)  # debug, flat
                  .bool(False).varint(0).varint(-63)  # no death location, portal, sea level
                  .bool(False))  # enforces secure chat
        conn.send(conn.abilities(player.gamemode))
        self.send_commands()
        x, y, z = world.spawn
        conn.send(conn.packet("spawn_position").string("minecraft:overworld")
                  .position(math.floor(x), math.floor(y), math.floor(z)).f32(0.0).f32(0.0))
        conn.teleport(Teleport(player.position, player.yaw, player.pitch))
        self.game.tab_list_add_all(self)
        conn.send(conn.packet("game_state_change").u8(13).f32(0.0))
        self._stream(player.position, first=True)
        conn.send(conn.packet("update_health").f32(20.0).varint(20).f32(5.0))
        conn.send(conn.packet("update_time").i64(world.age).varint(0))
        conn.flush_pending()

    def send_commands(self) -> None:
        """Declare Commands: what this player may run, for the client's Tab completion."""
        self._level = self.player.permission_level
        nodes = command_tree(self.server.dispatcher, self.server.permissions, self.player,
                             self.game.version.parsers)
        self.conn.send(self.conn.packet("declare_commands").raw(nodes))

    # -- the world around the player ------------------------------------------

    def _wanted(self, center: tuple[int, int]) -> list[tuple[int, int]]:
        cx, cz, radius = center[0], center[1], self.view_distance
        columns = [(cx + dx, cz + dz) for dx in range(-radius, radius + 1)
                   for dz in range(-radius, radius + 1)]
        columns.sort(key=lambda c: (c[0] - cx) ** 2 + (c[1] - cz) ** 2)
        return columns

    def _stream(self, position: Position, *, first: bool = False) -> None:
        center = position.chunk()
        if center == self.center:
            return
        self.center = center
        conn = self.conn
        conn.send(conn.packet("update_view_position").varint(center[0]).varint(center[1]))
        wanted = self._wanted(center)
        keep = set(wanted)
        for column in [c for c in self.loaded if c not in keep]:
            self.loaded.discard(column)
            conn.send(conn.packet("unload_chunk").i32(column[1]).i32(column[0]))
        missing = [c for c in wanted if c not in self.loaded]
        if first:  # the columns right around the player at once, to leave the loading screen
            self._send_batch(missing[:9])
            missing = missing[9:]
        if self._streaming is not None:
            self._streaming.cancel()
        self._streaming = asyncio.get_running_loop().create_task(self._send_rest(missing))

    def _send_batch(self, columns: list[tuple[int, int]]) -> None:
        conn, cache = self.conn, self.game.chunks
        conn.send(conn.packet("chunk_batch_start"))
        for column in columns:
            conn.send_frame(cache.frame(column[0], column[1], conn.threshold))
            self.loaded.add(column)
        conn.send(conn.packet("chunk_batch_finished").varint(len(columns)))

    async def _send_rest(self, columns: list[tuple[int, int]]) -> None:
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(columns), CHUNK_BATCH):
                if self.conn.state != "play":
                    return
                self._send_batch([c for c in columns[start:start + CHUNK_BATCH]
                                  if c not in self.loaded])
                await self.conn.drain()

    def sees(self, x: int, z: int) -> bool:
        return (x >> 4, z >> 4) in self.loaded

    # -- the read loop ---------------------------------------------------------

    async def run(self) -> None:
        """Read the client's packets until it leaves, is kicked or times out."""
        keep_alive = asyncio.get_running_loop().create_task(self._keep_alive_loop())
        try:
            while self.conn.state == "play":
                try:
                    body = await asyncio.wait_for(
                        read_frame(self.reader, PLAY_LIMIT, self.conn.threshold),
                        self.game.limits.timeout_s)
                except TimeoutError:
                    self.server.kick(self.player, TextComponent.of("Timed out"))
                    return
                self._last_packet = time.monotonic()
                await self._handle(PacketReader(body))
        finally:
            keep_alive.cancel()
            if self._streaming is not None:
                self._streaming.cancel()

    async def _handle(self, packet: PacketReader) -> None:
        kind = self._names.get(packet.packet_id)
        if kind in ("position", "position_look", "look", "flying"):
            await self._move(kind, packet)
        elif kind == "teleport_confirm":
            if packet.varint() == self.conn.teleport_id:
                self.conn.awaiting_teleport = False
        elif kind == "chat_message":
            message = packet.string(MAX_CHAT)
            if any(ord(c) < 32 or c in "\x7f\u00a7" for c in message):
                self.server.kick(self.player, TextComponent.of("Illegal characters in chat"))
                return
            await self.server.chat(self.player, message)
        elif kind in ("chat_command", "chat_command_signed"):
            await self.server.run_command(self.player, packet.string(MAX_CHAT))
        elif kind == "tab_complete":
            transaction, text = packet.varint(), packet.string(MAX_CHAT)
            self._complete(transaction, text)
        elif kind == "keep_alive":
            self._answered(packet.i64())
        elif kind is None:
            raise ProtocolError(f"unknown play packet {packet.packet_id:#04x} from "
                                f"{self.player.name}")
        # Any other packet of 26.1 is about what this server does not model
        # (inventories, digging, entities, client settings): read and let go.

    async def _move(self, kind: str, packet: PacketReader) -> None:
        player = self.player
        x, y, z = player.position
        yaw, pitch = player.yaw, player.pitch
        if kind in ("position", "position_look"):
            x, y, z = packet.f64(), packet.f64(), packet.f64()
        if kind in ("position_look", "look"):
            yaw, pitch = packet.f32(), packet.f32()
        if not all(math.isfinite(v) for v in (x, y, z, yaw, pitch)) or \
                max(abs(x), abs(z)) > MAX_COORDINATE or abs(y) > MAX_COORDINATE:
            self.server.kick(player, TextComponent.of("Invalid move player packet received"))
            return
        if self.conn.awaiting_teleport:
            return  # vanilla: movement before the teleport is confirmed is ignored
        target = Position(x, y, z)
        if target != player.position:
            event = await self.server.events.fire(PlayerMoveEvent(player, player.position,
                                                                  target))
            if event.cancelled:
                player.teleport(player.position, player.yaw, player.pitch)
                return
        player.position, player.yaw, player.pitch = target, yaw, pitch
        self._stream(target)

    def _complete(self, transaction: int, text: str) -> None:
        start, length, matches = completions(self.server.dispatcher, self.server.permissions,
                                             self.player, text)
        writer = self.conn.packet("tab_complete").varint(transaction).varint(start) \
            .varint(length).varint(len(matches))
        for match in matches:
            writer.string(match).bool(False)
        self.conn.send(writer)

    # -- keep-alive -------------------------------------------------------------

    async def _keep_alive_loop(self) -> None:
        limits = self.game.limits
        next_at = time.monotonic()  # the first at once: the ping is known within a second
        while self.conn.state == "play":
            await asyncio.sleep(min(1.0, limits.keep_alive_s))
            now = time.monotonic()
            if self._keep_alive is not None and now - self._keep_alive[1] > limits.timeout_s:
                self.server.kick(self.player, TextComponent.of("Timed out"))
                return
            if self.player.permission_level != self._level:  # opped or de-opped
                self.send_commands()
            if self._keep_alive is None and now >= next_at:
                next_at = now + limits.keep_alive_s
                ident = int(time.time() * 1000)
                self._keep_alive = (ident, now)
                self.conn.send(self.conn.packet("keep_alive").i64(ident))

    def _answered(self, ident: int) -> None:
        if self._keep_alive is None or ident != self._keep_alive[0]:
            return  # vanilla kicks; an old answer after a time-out race is harmless here
        self.player.ping_ms = int((time.monotonic() - self._keep_alive[1]) * 1000)
        self._keep_alive = None
        self.game.tab_list_latency(self.player)


class JavaGame:
    """What every Java client of one server shares."""

    def __init__(self, server: Any, version: GameVersion, limits: JavaLimits) -> None:
        self.server, self.version, self.limits = server, version, limits
        self.world = server.world
        biome = version.registry("minecraft:worldgen/biome").index("minecraft:plains")
        self.chunks = ChunkCache(self.world, version.clientbound("play")["map_chunk"], biome,
                                 server.world.blocks.air_states)
        self.sessions: dict[Player, PlaySession] = {}
        self._entity_ids = itertools.count(1)
        self._unsubscribe = [server.on_change(self._server_changed),
                             self.world.on_block_change(self._block_changed),
                             self._on_commands_changed()]
        self._commands_pending = False

    def close(self) -> None:
        for remove in self._unsubscribe:
            remove()
        self.chunks.close()

    def next_entity_id(self) -> int:
        return next(self._entity_ids)

    # -- the tab list ------------------------------------------------------------

    def _info(self, conn: NetworkConnection, players: list[Player], *, add: bool) -> None:
        # add 0x01, game mode 0x04, listed 0x08, latency 0x10
        writer = conn.packet("player_info").u8(0x1D if add else 0x10).varint(len(players))
        for player in players:
            writer.uuid(player.uuid)
            if add:
                writer.string(player.name).varint(0)
                writer.varint(gamemode_id(player.gamemode)).bool(True)
            writer.varint(player.ping_ms)
        conn.send(writer)

    def tab_list_add_all(self, session: PlaySession) -> None:
        """A client entering play: everyone online, itself included."""
        self._info(session.conn, list(self.server.players), add=True)
        self.sessions[session.player] = session

    def tab_list_latency(self, player: Player) -> None:
        for session in list(self.sessions.values()):
            self._info(session.conn, [player], add=False)

    def _server_changed(self, what: str, value: object) -> None:
        if what == "player-joined" and isinstance(value, Player):
            for session in list(self.sessions.values()):
                if session.player is not value:
                    self._info(session.conn, [value], add=True)
        elif what == "player-left" and isinstance(value, Player):
            self.sessions.pop(value, None)
            for session in list(self.sessions.values()):
                session.conn.send(session.conn.packet("player_remove").varint(1)
                                  .uuid(value.uuid))

    def _block_changed(self, x: int, y: int, z: int, state: int) -> None:
        for session in list(self.sessions.values()):
            if session.sees(x, z):
                session.conn.send(session.conn.packet("block_change").position(x, y, z)
                                  .varint(state))

    def _on_commands_changed(self) -> Callable[[], None]:
        changed = self.server.dispatcher.changed
        changed.append(self._commands_changed)
        return lambda: changed.remove(self._commands_changed)

    def _commands_changed(self) -> None:
        # A plugin registers its commands one by one: send the new tree once, soon.
        if self._commands_pending or not self.sessions:
            return
        self._commands_pending = True
        asyncio.get_running_loop().call_soon(self.refresh_commands)

    def refresh_commands(self) -> None:
        """Send every client its command tree again (a plugin added or removed commands)."""
        self._commands_pending = False
        for session in list(self.sessions.values()):
            session.send_commands()
