"""Login and configuration: from a client's Login Start to the play state.

Login (offline mode, as ``online-mode=false``): Login Start (name, UUID) ->
the server admits the player or refuses it (invalid name, banned, not
white-listed, full, a plugin cancelled the login: the same checks as for a
playtest player, made by ``ServerInstance.join``) -> Set Compression at
``network-compression-threshold`` -> Login Success -> the client's Login
Acknowledged switches both sides to configuration.

Configuration: the server's brand, Select Known Packs (``minecraft:core``
at this version) -> the client's answer -> Feature Flags, one Registry Data
per registry the client needs (always with the full data: mineflayer
answers with no known packs, and vanilla accepts data either way), Update
Tags, Finish Configuration -> the client's Finish Configuration switches to
play. Client Information (its view distance), plugin messages and keep-alive
answers may come at any point and are read.

Every wait has a time-out; anything else a client sends here is a protocol
error that closes only its connection.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from dataclasses import dataclass

from gui.server.java import nbt
from gui.server.java.connection import NetworkConnection
from gui.server.java.version import GameVersion
from gui.server.java.wire import PacketReader, PacketWriter, ProtocolError, read_frame

LOGIN_LIMIT = 1024  # Login Start is a name and a UUID
CONFIGURATION_LIMIT = 64 * 1024  # plugin messages may be up to 32 KiB
BRAND = "Pumpkin Patch"
_REGISTRY_LOCK = threading.Lock()


@dataclass
class ClientInfo:
    """What a client said about itself during configuration."""

    locale: str = "en_us"
    view_distance: int = 10
    brand: str = ""


@dataclass(frozen=True)
class LoginStart:
    name: str
    uuid: object


async def read_login_start(reader: asyncio.StreamReader, conn: NetworkConnection,
                           timeout: float) -> LoginStart:
    """Wait for Login Start.

    Raises:
        ProtocolError: Anything else, or a malformed one.
        TimeoutError: Nothing in time.
    """
    body = await asyncio.wait_for(read_frame(reader, LOGIN_LIMIT, None), timeout)
    packet = PacketReader(body)
    names = conn.version.serverbound("login")
    if names.get(packet.packet_id) != "login_start":
        raise ProtocolError(f"packet {packet.packet_id:#04x} where Login Start was expected")
    # Vanilla reads up to 16 chars; a longer or odd name is refused by the server's rule.
    name = packet.string(16)
    return LoginStart(name, packet.uuid())


async def finish_login(reader: asyncio.StreamReader, conn: NetworkConnection, name: str,
                       uuid: object, threshold: int, timeout: float) -> None:
    """Compression, Login Success, then wait for Login Acknowledged."""
    if threshold >= 0:
        conn.send(conn.packet("compress").varint(threshold))
        conn.threshold = threshold
    conn.send(conn.packet("success").uuid(uuid).string(name).varint(0))  # type: ignore[arg-type]
    await conn.drain()
    names = conn.version.serverbound("login")

    async def acknowledged() -> None:
        while True:
            packet = PacketReader(await read_frame(reader, LOGIN_LIMIT, conn.threshold))
            kind = names.get(packet.packet_id)
            if kind == "login_acknowledged":
                return
            if kind not in ("login_plugin_response", "cookie_response"):
                raise ProtocolError(f"packet {packet.packet_id:#04x} where Login "
                                    "Acknowledged was expected")

    await asyncio.wait_for(acknowledged(), timeout)
    conn.state = "configuration"


@functools.cache
def _registry_bodies(version: GameVersion, packet_id: int) -> tuple[bytes, ...]:
    bodies = []
    for registry in version.registries:
        writer = PacketWriter(packet_id).string(registry.id).varint(len(registry.entries))
        for key, value in registry.entries:
            writer.string(key).bool(True).raw(nbt.network_bytes(nbt.from_prismarine(value)))
        bodies.append(writer.body)
    return tuple(bodies)


def registry_bodies(version: GameVersion) -> tuple[bytes, ...]:
    """The Registry Data packets of ``version`` (built once, ~0.2 s: call off the loop)."""
    with _REGISTRY_LOCK:
        return _registry_bodies(version, version.clientbound("configuration")["registry_data"])


async def configure(reader: asyncio.StreamReader, conn: NetworkConnection,
                    timeout: float) -> ClientInfo:
    """Run the configuration state; returns what the client told about itself."""
    version = conn.version
    info = ClientInfo()
    names = version.serverbound("configuration")
    registries = await asyncio.to_thread(registry_bodies, version)
    conn.send(conn.packet("custom_payload").string("minecraft:brand").string(BRAND))
    conn.send(conn.packet("select_known_packs").varint(1).string("minecraft").string("core")
              .string(version.name))
    await conn.drain()

    async def until(wanted: str) -> None:
        while True:
            body = await read_frame(reader, CONFIGURATION_LIMIT, conn.threshold)
            packet = PacketReader(body)
            kind = names.get(packet.packet_id)
            if kind == wanted:
                return
            if kind == "settings":
                info.locale = packet.string(16)
                info.view_distance = max(2, packet.i8())
            elif kind == "custom_payload":
                channel = packet.string(256)
                if channel == "minecraft:brand":
                    info.brand = packet.string(128)
            elif kind is None:
                raise ProtocolError(f"unknown configuration packet {packet.packet_id:#04x}")
            # keep_alive, pong, resource pack answers, cookies: nothing to do

    await asyncio.wait_for(until("select_known_packs"), timeout)
    conn.send(conn.packet("feature_flags").varint(1).string("minecraft:vanilla"))
    for body in registries:
        conn.send_body(body)
    conn.send(conn.packet("tags").varint(0))
    conn.send(conn.packet("finish_configuration"))
    await conn.drain()
    await asyncio.wait_for(until("finish_configuration"), timeout)
    conn.state = "play"
    return info

