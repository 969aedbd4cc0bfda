"""Bad input at every protocol state closes only that connection; a real bot keeps playing.

A raw client walks a connection to a state (handshake, login, configuration,
play) the way a real client does, then sends what no client should: random
bytes, a truncated packet, an unknown packet id, a declared length of 2^31,
a compressed packet claiming 100 MB, or nothing at all. Each closes that
connection with a console line naming the peer; a mineflayer bot that was
already playing chats before and after, and the tick loop keeps its pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
import zlib

import pytest

from gui.server.config import ServerConfig
from gui.server.java.limits import JavaLimits
from gui.server.java.version import game_version
from gui.server.java.wire import PacketReader, PacketWriter, encode_frame, read_frame, varint
from gui.server.local_server import LocalServer
from tests.server.test_rcon import free_port

VERSION = game_version()
TWO_TO_31 = b"\x80\x80\x80\x80\x08"  # a VarInt of 2^31


class RawClient:
    """Walks one connection to a protocol state, speaking only what is needed."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.threshold: int | None = None

    @classmethod
    async def to_state(cls, port: int, state: str, name: str = "Raw") -> RawClient:
        client = cls(*await asyncio.open_connection("127.0.0.1", port))
        if state == "handshake":
            return client
        client.send(PacketWriter(0).varint(VERSION.protocol).string("localhost").u16(port)
                    .varint(2))
        client.send(PacketWriter(0).string(name).uuid(uuid.uuid4()))
        if state == "login":
            return client
        login = VERSION.clientbound("login")
        while True:
            packet = await client.receive()
            if packet.packet_id == login["compress"]:
                client.threshold = packet.varint()
            elif packet.packet_id == login["success"]:
                break
        client.send(PacketWriter(3))  # login acknowledged
        config = VERSION.clientbound("configuration")
        while (await client.receive()).packet_id != config["select_known_packs"]:
            pass
        if state == "configuration":
            return client
        client.send(PacketWriter(7).varint(0))  # known packs: none
        while (await client.receive()).packet_id != config["finish_configuration"]:
            pass
        client.send(PacketWriter(3))  # finish configuration: play
        play = VERSION.clientbound("play")
        while (await client.receive()).packet_id != play["login"]:
            pass
        return client

    def send(self, packet: PacketWriter) -> None:
        self.writer.write(encode_frame(packet.body, self.threshold))

    async def receive(self) -> PacketReader:
        return PacketReader(await asyncio.wait_for(
            read_frame(self.reader, 1 << 23, self.threshold), 10))

    async def closed_by_server(self, timeout: float = 10.0) -> bool:
        """Whether the server closes the connection (reading whatever it still sends)."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
            return True
        except TimeoutError:
            return False
        except ConnectionError:
            return True
        finally:
            self.writer.close()


def compressed_claiming(size: int) -> bytes:
    inner = varint(size) + zlib.compress(b"\x00" * 1024)
    return varint(len(inner)) + inner


BAD_INPUT = {
    "random bytes": lambda c: bytes(random.Random(7).randrange(256) for _ in range(300)),
    "a declared length of 2^31": lambda c: TWO_TO_31,
    "a truncated packet": lambda c: varint(50) + b"\x00\x05abc",
    "an unknown packet id": lambda c: encode_frame(varint(0x7F) + b"junk", c.threshold),
    "a compressed packet claiming 100 MB": lambda c: compressed_claiming(100_000_000),
}


@contextlib.asynccontextmanager
async def game_server(tmp_path, limits: JavaLimits | None = None, **properties):
    """A started server on a free port with ``limits``; yields (server, port)."""
    port = free_port()
    server = LocalServer(tmp_path, config=ServerConfig(server_port=port, **properties))
    if limits is not None:
        server.java_limits = limits
    await server.start()
    try:
        yield server, port
    finally:
        await server.stop()


@pytest.fixture
def limits() -> JavaLimits:
    return JavaLimits(handshake_s=2.0, login_s=3.0, keep_alive_s=1.0, timeout_s=3.0)


def test_bad_input_at_every_state_closes_only_that_connection(tmp_path, limits, bot_swarm):
    async def scenario() -> None:
        async with game_server(tmp_path, limits, view_distance=2) as (server, port), \
                bot_swarm as swarm:
            server.status_listener.peer_lines.burst = 1000  # every reason on the console
            bot = await swarm.join("Steady", port=port)
            await bot.wait_for("spawn", timeout=30)
            ticks_before = server.ticks.tick_count
            for state in ("handshake", "login", "configuration", "play"):
                for what, make in BAD_INPUT.items():
                    if state != "play" and what == "a compressed packet claiming 100 MB":
                        continue  # no compression before login success
                    client = await RawClient.to_state(port, state, name=f"Raw{state[:4]}")
                    client.writer.write(make(client))
                    if what == "a truncated packet":
                        client.writer.write_eof()
                    assert await client.closed_by_server(), (state, what)
                bot.chat(f"still here after the {state} state")
                await bot.wait_for_message(f"<Steady> still here after the {state} state")
            assert [p.name for p in server.players] == ["Steady"]
            warnings = [m for m in server.console.messages("server")
                        if "Closed the connection from 127.0.0.1:" in m]
            for reason in ("a frame of 2147483648 bytes", "claiming 100000000 bytes",
                           "unknown play packet 0x7f", "unknown configuration packet",
                           "under the compression threshold of 256"):
                assert any(reason in w for w in warnings), (reason, "\n".join(warnings))
            assert server.ticks.tick_count > ticks_before

    asyncio.run(scenario())


def test_silent_clients_are_timed_out_at_every_state(tmp_path, limits):
    async def scenario() -> None:
        async with game_server(tmp_path, limits, view_distance=2) as (server, port):
            for state in ("handshake", "login", "configuration", "play"):
                client = await RawClient.to_state(port, state, name="Silent")
                # Say nothing more (and never answer a keep-alive): the server hangs up.
                assert await client.closed_by_server(timeout=12), state
            await asyncio.sleep(0)
            assert len(server.players) == 0
            assert any("Silent lost connection: Timed out" in m
                       for m in server.console.messages("server"))

    asyncio.run(scenario())


def test_connection_and_login_caps_per_address(tmp_path):
    caps = JavaLimits(connections_per_address=3, login_burst=2, logins_per_second=0.01)

    async def scenario() -> None:
        async with game_server(tmp_path, caps) as (server, port):
            held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert await asyncio.wait_for(reader.read(), 5) == b""  # over the cap
            writer.close()
            for _, w in held:
                w.close()
            await asyncio.sleep(0.2)
            refusals = []
            for i in range(3):
                client = await RawClient.to_state(port, "login", name=f"Fast{i}")
                first = await client.receive()
                refusals.append(first.packet_id == VERSION.clientbound("login")["disconnect"]
                                and "Too many logins" in first.string())
                client.writer.close()
            assert refusals == [False, False, True]
            messages = server.console.messages("server")
            assert any("over the cap of 3 per address" in m for m in messages)
            assert any("more than 0.01 logins per second" in m for m in messages)

    asyncio.run(scenario())


def test_invalid_names_are_refused_at_login(tmp_path):
    async def scenario() -> None:
        async with game_server(tmp_path) as (server, port):
            for name in ("bad name", "Ünïcode", ""):
                client = await RawClient.to_state(port, "login", name=name)
                packet = await client.receive()
                assert packet.packet_id == VERSION.clientbound("login")["disconnect"]
                assert "Invalid player name" in packet.string()
                client.writer.close()
            assert len(server.players) == 0

    asyncio.run(scenario())


def test_a_huge_string_field_is_refused_before_it_is_read(tmp_path):
    async def scenario() -> None:
        async with game_server(tmp_path) as (server, port):
            client = await RawClient.to_state(port, "handshake")
            body = varint(0) + varint(VERSION.protocol) + varint(1 << 20) + b"x" * 100
            client.writer.write(varint(len(body)) + body)
            assert await client.closed_by_server()
            assert any("a string of 1048576 bytes" in m
                       for m in server.console.messages("server"))

    asyncio.run(scenario())
