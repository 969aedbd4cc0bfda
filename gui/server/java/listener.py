"""The game port: handshake, status ping, and Java Edition clients joining the server.

:class:`GameListener` owns ``server-port``. Each connection starts with a
handshake (protocol version, address, port, next state); state 1 is the
server-list ping (gui/server/status.py), states 2 and 3 are a login. A
login of another protocol version is refused with vanilla's "Outdated
client/server" message naming the version to use. An admitted client goes
through login and configuration (login.py) into play (play.py).

Limits that keep one peer from hurting the others (:class:`JavaLimits`): a
packet length limit per state (wire.py), time-outs at every state, a cap on
simultaneous connections per address and on logins per second per address
(a token bucket), a compressed packet's declared size checked before it is
inflated. A peer that breaks a rule gets a console line naming it and only
its connection is closed; nothing it sends runs on the tick loop.

:class:`JavaGame` is what every client of the server shares: the version's
data, the world's chunk cache, entity ids, and the tab list, kept in step
with the server's players (network and playtest alike).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gui.server.addresses import ip_of
from gui.server.java import login
from gui.server.java.chunks import ChunkCache
from gui.server.java.connection import NetworkConnection, gamemode_id
from gui.server.java.play import PlaySession
from gui.server.java.version import GameVersion, game_version
from gui.server.java.wire import PacketReader, ProtocolError
from gui.server.listener import TcpListener
from gui.server.players import Player
from gui.server.status import legacy_ping, status_exchange
from gui.server.text import TextComponent

SOURCE = "server"
HANDSHAKE_LIMIT = 1024
STATUS, LOGIN, TRANSFER = 1, 2, 3


@dataclass(frozen=True)
class JavaLimits:
    """Time-outs and caps of the game port (the defaults suit a desktop server)."""

    handshake_s: float = 10.0  # handshake and status, or the login start
    login_s: float = 30.0  # login success to the play state
    keep_alive_s: float = 15.0  # how often a keep-alive goes out
    timeout_s: float = 30.0  # no answer (or no packet) for this long: "Timed out"
    connections_per_address: int = 32
    logins_per_second: float = 10.0  # per address, refilled continuously
    login_burst: int = 30  # logins an address may make at once


class _Bucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._tokens: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> bool:
        now = time.monotonic()
        tokens, at = self._tokens.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._tokens[key] = (tokens, now)
            return False
        self._tokens[key] = (tokens - 1.0, now)
        if len(self._tokens) > 4096:  # forget addresses that have refilled
            self._tokens = {k: v for k, v in self._tokens.items() if v[0] < self.burst - 1}
        return True


class JavaGame:
    """What every Java client of one server shares."""

    def __init__(self, server: Any, version: GameVersion, limits: JavaLimits) -> None:
        self.server, self.version, self.limits = server, version, limits
        self.world = server.world
        biome = version.registry("minecraft:worldgen/biome").index("minecraft:plains")
        blocks = server.world.blocks
        air = frozenset(blocks.by_name(name).default_state  # type: ignore[union-attr]
                        for name in ("air", "cave_air", "void_air"))
        self.chunks = ChunkCache(self.world, version.clientbound("play")["map_chunk"], biome,
                                 air)
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


class GameListener(TcpListener):
    """The server's game port (status pings and Java Edition logins)."""

    source = SOURCE
    what = "Java Edition clients can join"

    def __init__(self, server: Any, *, limits: JavaLimits | None = None,
                 version: GameVersion | None = None) -> None:
        super().__init__(server.console)
        self.server = server
        self.limits = limits or JavaLimits()
        self.version = version or game_version()
        self.game = JavaGame(server, self.version, self.limits)
        self.what = f"Java Edition {self.version.name} clients can join"
        self._per_address: dict[str, int] = {}
        self._logins = _Bucket(self.limits.logins_per_second, self.limits.login_burst)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        address = await super().start(host, port)
        # Build the registry packets now, off the loop, so the first login does not wait.
        self._warm = asyncio.get_running_loop().run_in_executor(
            None, login.registry_bodies, self.version)
        return address

    async def stop(self) -> None:
        await super().stop()
        self.game.close()

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str) -> None:
        ip = ip_of(peer) or peer
        count = self._per_address.get(ip, 0)
        if count >= self.limits.connections_per_address:
            raise ProtocolError(f"a connection over the cap of "
                                f"{self.limits.connections_per_address} per address")
        self._per_address[ip] = count + 1
        try:
            await self._conversation(reader, writer, peer, ip)
        finally:
            left = self._per_address.get(ip, 1) - 1
            if left <= 0:
                self._per_address.pop(ip, None)
            else:
                self._per_address[ip] = left

    async def _conversation(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            peer: str, ip: str) -> None:
        first = await asyncio.wait_for(reader.readexactly(1), self.limits.handshake_s)
        if first == b"\xfe":
            await legacy_ping(reader, writer, self.server.status())
            return
        body = await asyncio.wait_for(self._handshake_frame(reader, first),
                                      self.limits.handshake_s)
        packet = PacketReader(body)
        if packet.packet_id != 0:
            raise ProtocolError(f"packet {packet.packet_id:#x} where a handshake was expected")
        protocol = packet.varint()
        packet.string(255)  # the address the client used
        packet.u16()  # and the port
        state = packet.varint()
        if state == STATUS:
            await asyncio.wait_for(status_exchange(reader, writer, self.server.status()),
                                   self.limits.handshake_s)
        elif state in (LOGIN, TRANSFER):
            await self._login(reader, writer, peer, ip, protocol)
        else:
            raise ProtocolError(f"a handshake asking for state {state}")

    async def _handshake_frame(self, reader: asyncio.StreamReader, first: bytes) -> bytes:
        # The length VarInt's first byte is already read.
        length, shift, byte = 0, 0, first[0]
        while True:
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 28:
                raise ProtocolError("a frame length longer than 5 bytes")
            byte = (await reader.readexactly(1))[0]
        if not 1 <= length <= HANDSHAKE_LIMIT:
            raise ProtocolError(f"a handshake of {length} bytes")
        return await reader.readexactly(length)

    async def _login(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     peer: str, ip: str, protocol: int) -> None:
        conn = NetworkConnection(writer, peer, self.version)
        start = await login.read_login_start(reader, conn, self.limits.handshake_s)
        name = start.name
        if protocol != self.version.protocol:
            word = "client" if protocol < self.version.protocol else "server"
            reason = (f"Outdated {word}! This server runs Java Edition {self.version.name} "
                      f"(protocol {self.version.protocol}); please use {self.version.name}")
            self.peer_lines.write("info", peer, f"{name!r} ({peer}) tried to join with protocol "
                                  f"{protocol}; told to use {self.version.name}")
            conn.disconnect(TextComponent.of(reason))
            await conn.drain()
            return
        if not self._logins.take(ip):
            self.peer_lines.write("warn", peer, f"Refused a login from {peer}: more than "
                                  f"{self.limits.logins_per_second:g} logins per second from "
                                  "that address")
            conn.disconnect(TextComponent.of("Too many logins from your address: wait a "
                                             "moment and try again"))
            await conn.drain()
            return
        player = await self.server.join(name, conn)
        if player is None:  # refused: the reason went out as a login disconnect
            with contextlib.suppress(ConnectionError):
                await conn.drain()
            return
        conn.player = player
        try:
            await self._play(reader, conn, player)
        finally:
            if player in self.server.players:
                reason = conn.closed_reason or "Disconnected"
                self.console.info(SOURCE, f"{player.name} lost connection: {reason}")
                await self.server.leave(player)
            self.game.sessions.pop(player, None)
            conn.close("the connection ended")

    async def _play(self, reader: asyncio.StreamReader, conn: NetworkConnection,
                    player: Player) -> None:
        limits = self.limits
        try:
            await login.finish_login(reader, conn, player.name, player.uuid,
                                     self.server.config.network_compression_threshold,
                                     limits.login_s)
            info = await login.configure(reader, conn, limits.login_s)
        except asyncio.IncompleteReadError:
            conn.closed_reason = "it left while logging in"
            return
        if player not in self.server.players:  # kicked while it configured
            return
        session = PlaySession(self.game, conn, player, reader, info.view_distance)
        session.enter()
        try:
            await session.run()
        except ProtocolError as exc:
            conn.closed_reason = f"it sent {exc}"
            raise
        except (asyncio.IncompleteReadError, ConnectionError):
            conn.closed_reason = conn.closed_reason or "Disconnected"
