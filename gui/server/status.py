"""The server-list ping: what a client's multiplayer list (and every monitor) is told.

A client asks for the status on ``server-port`` before joining: after a
handshake with next state 1, Status Request (id 0) is answered with Status
Response (id 0, JSON: version, players online with a sample of names, the
maximum, the MOTD), then Ping (id 1, a long) with Pong (id 1, the same long).
The pre-1.7 ping (first byte ``0xFE``) gets the legacy ``0xFF`` answer. The
version announced is the Java Edition version the server speaks, so a client
of another version shows the server as incompatible before trying.

``enable-status=false`` hides the status, as in vanilla. The handshake that
leads here is read by gui/server/java/listener.py, which owns the game port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from dataclasses import dataclass

from gui.server.java.version import game_version
from gui.server.java.wire import PacketWriter, ProtocolError, encode_frame, read_frame

SOURCE = "status"
GAME_VERSION = game_version()
VERSION_NAME = GAME_VERSION.name
PROTOCOL = GAME_VERSION.protocol
STATUS_PACKET_LIMIT = 1024  # a status request or ping is tiny
LEGACY_DRAIN_S, LEGACY_REQUEST_MAX = 0.05, 512
SAMPLE_SIZE = 12  # names in the hover list, as vanilla


class StatusProtocolError(ProtocolError):
    """A peer sent something that is not the Minecraft status protocol."""


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


async def status_exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          status: ServerStatus) -> None:
    """Answer Status Request and Ping, then return (the client closes)."""
    while True:
        body = await read_frame(reader, STATUS_PACKET_LIMIT, None)
        packet_id = body[0]
        if packet_id == 0 and len(body) == 1:
            if not status.enabled:
                return  # enable-status=false: no answer, as in vanilla
            writer.write(encode_frame(PacketWriter(0).string(status.to_json()).body, None))
        elif packet_id == 1 and len(body) == 9:
            writer.write(encode_frame(body, None))  # Pong echoes the client's long
            await writer.drain()
            return
        else:
            raise StatusProtocolError(f"packet {packet_id:#x} of {len(body)} bytes in the "
                                      "status exchange")
        await writer.drain()


async def legacy_ping(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      status: ServerStatus) -> None:
    """Pre-1.7 clients: 0xFF, then a UTF-16BE string of NUL-separated fields."""
    # Read what else the client sent (1.6 adds a plugin message): closing with
    # unread data resets the connection, and some clients then lose the answer.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(reader.read(LEGACY_REQUEST_MAX), LEGACY_DRAIN_S)
    if not status.enabled:
        return
    fields = ["\u00a71", str(PROTOCOL), VERSION_NAME, status.motd, str(status.online),
              str(status.max_players)]
    text = "\x00".join(fields).encode("utf-16-be")
    writer.write(b"\xff" + struct.pack(">H", len(text) // 2) + text)
    await writer.drain()
