"""The game port: answers Minecraft's server-list ping, and refuses logins clearly.

A Minecraft client (and every server-list site or monitoring tool) asks a
server for its status on ``server-port`` before joining: this listener
answers with the MOTD, the players online (with a sample of names) and the
maximum, so the local server shows in a client's multiplayer list. Pumpkin
Patch does not speak the play protocol (players are virtual, see
``playtest``), so a client that tries to log in gets a disconnect message
that says so, instead of a silent timeout. The version is announced as
``Pumpkin Patch`` with protocol ``-1``: a client marks it incompatible,
which is the truth.

Java Edition framing: each packet is ``VarInt length, VarInt id, data``.
A connection starts with a Handshake (id 0; protocol version, address,
port, next state: 1 status, 2 login, 3 transfer). In status: Status Request
(id 0) -> Status Response (id 0, JSON), then Ping (id 1, a long) -> Pong
(id 1, the same long). In login: the Login Start (id 0) is answered with
Disconnect (id 0, a JSON text component). The pre-1.7 ping (first byte
``0xFE``) gets the legacy ``0xFF`` answer.

Bad input (an overlong VarInt, a packet over :data:`MAX_PACKET`, an unknown
state, a stalled peer) closes that connection with a console line naming the
peer; nothing else is affected. ``enable-status=false`` hides the status, as
in vanilla; the login refusal still answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass

from gui.server.console import ConsoleLog
from gui.server.listener import PeerProtocolError, TcpListener

SOURCE = "status"
VERSION_NAME = "Pumpkin Patch"
PROTOCOL = -1  # not a game protocol: clients show the server as incompatible
MAX_PACKET = 32 * 1024  # a handshake or status request is tiny
TIMEOUT_S = 10.0
LEGACY_DRAIN_S, LEGACY_REQUEST_MAX = 0.05, 512
SAMPLE_SIZE = 12  # names in the hover list, as vanilla
STATUS, LOGIN, TRANSFER = 1, 2, 3
LOGIN_REFUSED = ("This is a Pumpkin Patch server for trying plugins: it has no game world "
                 "to join. Use its Playtest page (or 'playtest join NAME') instead.")


class StatusProtocolError(PeerProtocolError):
    """A peer sent something that is not the Minecraft handshake/status protocol."""


@dataclass(frozen=True)
class ServerStatus:
    """What the ping answers, read from the server when a client asks."""

    motd: str
    online: int
    max_players: int
    sample: tuple[tuple[str, str], ...]  # (name, uuid)
    enabled: bool = True  # enable-status

    def to_json(self) -> str:
        body = {
            "version": {"name": VERSION_NAME, "protocol": PROTOCOL},
            "players": {"max": self.max_players, "online": self.online,
                        "sample": [{"name": n, "id": i} for n, i in self.sample]},
            "description": {"text": self.motd},
            "enforcesSecureChat": False,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# -- framing ----------------------------------------------------------------------------


def varint(value: int) -> bytes:
    """A VarInt (the 32-bit two's complement value, 7 bits a byte, low first)."""
    value &= 0xFFFFFFFF
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def mc_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return varint(len(data)) + data


def packet(packet_id: int, payload: bytes = b"") -> bytes:
    body = varint(packet_id) + payload
    return varint(len(body)) + body


async def read_varint(reader: asyncio.StreamReader, first: bytes = b"") -> int:
    """The next VarInt on ``reader`` (``first``: its first byte, if already read)."""
    raw = bytearray(first)
    while (not raw or raw[-1] & 0x80) and len(raw) < 5:
        raw += await reader.readexactly(1)
    return _Buffer(bytes(raw)).varint()


class _Buffer:
    """Reads the fields of one packet's payload."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def varint(self) -> int:
        result = 0
        for shift in range(0, 35, 7):
            if self.at >= len(self.data):
                raise StatusProtocolError("a packet that ends inside a VarInt")
            byte = self.data[self.at]
            self.at += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result - (1 << 32) if result & (1 << 31) else result
        raise StatusProtocolError("a VarInt longer than 5 bytes")

    def string(self, limit: int) -> str:
        size = self.varint()
        if not 0 <= size <= limit * 4 or self.at + size > len(self.data):
            raise StatusProtocolError(f"a string of {size} bytes in a {len(self.data)}-byte "
                                      "packet")
        raw = self.data[self.at:self.at + size]
        self.at += size
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StatusProtocolError("a string that is not UTF-8") from exc

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise StatusProtocolError("a packet shorter than its fields")
        raw = self.data[self.at:self.at + size]
        self.at += size
        return raw


async def read_packet(reader: asyncio.StreamReader, first: bytes = b"") -> tuple[int, _Buffer]:
    """The next packet: its id and a reader of its fields (``first``: see read_varint)."""
    length = await read_varint(reader, first)
    if not 1 <= length <= MAX_PACKET:
        raise StatusProtocolError(f"a packet of {length} bytes")
    body = _Buffer(await reader.readexactly(length))
    return body.varint(), body


# -- the listener ---------------------------------------------------------------------------


class StatusListener(TcpListener):
    """The server's game port."""

    source = SOURCE
    what = "Answering server-list pings"

    def __init__(self, console: ConsoleLog, status: Callable[[], ServerStatus]) -> None:
        """Create a listener (not yet listening).

        Args:
            console: Where refusals and protocol errors are logged.
            status: Called for each status request: the server as it is now.
        """
        super().__init__(console)
        self._status = status

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str) -> None:
        await asyncio.wait_for(self._conversation(reader, writer, peer), TIMEOUT_S)

    async def _conversation(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            peer: str) -> None:
        first = await reader.readexactly(1)
        if first == b"\xfe":
            await self._legacy(reader, writer)
            return
        packet_id, body = await read_packet(reader, first)
        if packet_id != 0:
            raise StatusProtocolError(f"packet {packet_id:#x} where a handshake was expected")
        body.varint()  # the client's protocol version
        body.string(255)  # the address it used
        body.take(2)  # and the port
        state = body.varint()
        if state == STATUS:
            await self._status_exchange(reader, writer)
        elif state in (LOGIN, TRANSFER):
            await self._refuse_login(reader, writer, peer)
        else:
            raise StatusProtocolError(f"a handshake asking for state {state}")

    async def _status_exchange(self, reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        status = self._status()
        while True:
            packet_id, body = await read_packet(reader)
            if packet_id == 0:
                if not status.enabled:
                    return  # enable-status=false: no answer, as in vanilla
                writer.write(packet(0, mc_string(status.to_json())))
            elif packet_id == 1:
                writer.write(packet(1, body.take(8)))
                await writer.drain()
                return
            else:
                raise StatusProtocolError(f"packet {packet_id:#x} in the status exchange")
            await writer.drain()

    async def _refuse_login(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            peer: str) -> None:
        packet_id, body = await read_packet(reader)
        player = body.string(16) if packet_id == 0 else "a player"
        self.peer_lines.write("info", peer,
                              f"{player!r} ({peer}) tried to join; told to use playtest")
        reason = json.dumps({"text": LOGIN_REFUSED}, ensure_ascii=False)
        writer.write(packet(0, mc_string(reason)))
        await writer.drain()

    async def _legacy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Pre-1.7 clients: 0xFF, then a UTF-16BE string of NUL-separated fields."""
        # Read what else the client sent (1.6 adds a plugin message): closing with
        # unread data resets the connection, and some clients then lose the answer.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.read(LEGACY_REQUEST_MAX), LEGACY_DRAIN_S)
        status = self._status()
        if not status.enabled:
            return
        fields = ["\u00a71", str(PROTOCOL), VERSION_NAME, status.motd, str(status.online),
                  str(status.max_players)]
        text = "\x00".join(fields).encode("utf-16-be")
        writer.write(b"\xff" + struct.pack(">H", len(text) // 2) + text)
        await writer.drain()

