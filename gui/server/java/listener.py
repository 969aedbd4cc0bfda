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
import time
from typing import Any

from gui.server.addresses import ip_of
from gui.server.java import login
from gui.server.java.connection import NetworkConnection
from gui.server.java.limits import JavaLimits
from gui.server.java.play import JavaGame, PlaySession
from gui.server.java.version import GameVersion, game_version
from gui.server.java.wire import PacketReader, ProtocolError
from gui.server.listener import TcpListener
from gui.server.players import Player
from gui.server.status import legacy_ping, status_exchange
from gui.server.text import TextComponent

SOURCE = "server"
HANDSHAKE_LIMIT = 1024
STATUS, LOGIN, TRANSFER = 1, 2, 3


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
