"""The game port, with a client written from the Java Edition protocol: ping, login, bad input."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from pathlib import Path

from gui.server.config import ServerConfig
from gui.server.instance import ServerStartError
from gui.server.java.wire import PacketReader, encode_frame, read_frame, varint
from gui.server.local_server import LocalServer
from tests.server.test_rcon import free_port


def packet(packet_id: int, payload: bytes = b"") -> bytes:
    return encode_frame(varint(packet_id) + payload, None)


def mc_string(text: str) -> bytes:
    data = text.encode()
    return varint(len(data)) + data


async def read_packet(reader: asyncio.StreamReader) -> tuple[int, PacketReader]:
    body = PacketReader(await read_frame(reader, 1 << 20, None))
    return body.packet_id, body


def game_server(tmp_path: Path, **settings) -> LocalServer:
    config = ServerConfig(server_port=free_port(), motd="Plugin lab §aonline", max_players=7)
    for key, value in settings.items():
        setattr(config, key, value)
    return LocalServer(tmp_path, config=config)


def handshake(port: int, next_state: int, protocol: int = 767) -> bytes:
    return packet(0, varint(protocol) + mc_string("localhost") + struct.pack(">H", port)
                  + varint(next_state))


async def open_game(server: LocalServer):
    assert server.status_listener is not None
    return await asyncio.open_connection(*server.status_listener.address)


async def ping(server: LocalServer) -> tuple[dict, int]:
    reader, writer = await open_game(server)
    try:
        port = server.status_listener.address[1]
        writer.write(handshake(port, 1) + packet(0))
        packet_id, body = await read_packet(reader)
        assert packet_id == 0
        status = json.loads(body.string(32767))
        writer.write(packet(1, struct.pack(">q", 0x0123456789ABCDEF)))
        packet_id, body = await read_packet(reader)
        assert packet_id == 1
        (echoed,) = struct.unpack(">q", body.take(8))
        return status, echoed
    finally:
        writer.close()


def test_a_client_ping_sees_motd_players_and_an_honest_version(tmp_path):
    async def scenario() -> None:
        server = game_server(tmp_path)
        await server.start()
        try:
            await server.execute_console("playtest join Alice")
            await server.execute_console("playtest join Bob")
            status, echoed = await ping(server)
            assert echoed == 0x0123456789ABCDEF
            assert status["description"] == {"text": "Plugin lab §aonline"}
            assert status["version"] == {"name": "26.1", "protocol": 775}
            players = status["players"]
            assert (players["online"], players["max"]) == (2, 7)
            alice = server.players.get("Alice")
            assert {"name": "Alice", "id": str(alice.uuid)} in players["sample"]
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_a_login_of_another_version_is_told_which_version_to_use(tmp_path):
    async def scenario() -> None:
        server = game_server(tmp_path)
        await server.start()
        try:
            reader, writer = await open_game(server)
            port = server.status_listener.address[1]
            login_start = packet(0, mc_string("Steve") + b"\x00" * 16)
            writer.write(handshake(port, 2, protocol=767) + login_start)
            packet_id, body = await read_packet(reader)
            assert packet_id == 0
            reason = json.loads(body.string(262144))["text"]
            assert reason.startswith("Outdated client!") and "please use 26.1" in reason
            assert await reader.read() == b""
            writer.close()
            assert any(m.startswith("'Steve' (127.0.0.1:") and "told to use 26.1" in m
                       for m in server.console.messages("server"))
            assert len(server.players) == 0
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_legacy_ping_and_hidden_status(tmp_path):
    async def scenario() -> None:
        server = game_server(tmp_path / "a")
        await server.start()
        try:
            reader, writer = await open_game(server)
            writer.write(b"\xfe\x01")
            answer = await reader.read()
            writer.close()
            assert answer[0] == 0xFF
            (chars,) = struct.unpack(">H", answer[1:3])
            fields = answer[3:].decode("utf-16-be").split("\x00")
            assert len(answer[3:]) == chars * 2
            assert fields == ["§1", "775", "26.1", "Plugin lab §aonline", "0", "7"]
        finally:
            await server.stop()

        hidden = game_server(tmp_path / "b", enable_status=False)
        await hidden.start()
        try:
            reader, writer = await open_game(hidden)
            writer.write(handshake(hidden.status_listener.address[1], 1) + packet(0))
            assert await reader.read() == b""  # no status, as vanilla with enable-status=false
            writer.close()
        finally:
            await hidden.stop()

    asyncio.run(scenario())


def test_bad_input_closes_that_connection_and_the_port_keeps_answering(tmp_path):
    async def scenario() -> None:
        server = game_server(tmp_path)
        await server.start()
        try:
            port = server.status_listener.address[1]
            cases = [
                b"\xff\xff\xff\xff\xff\xff",  # a VarInt of more than 5 bytes
                varint(10_000_000) + b"x",  # a packet far over the limit
                packet(5, b""),  # not a handshake
                handshake(port, 9),  # no such state
                packet(0, varint(767) + varint(100_000) + b"abc"),  # a string past the end
            ]
            for data in cases:
                reader, writer = await open_game(server)
                writer.write(data)
                assert await asyncio.wait_for(reader.read(), 5) == b""
                writer.close()
            warnings = server.console.messages("server")
            for reason in ("a frame length longer than 5 bytes", "a handshake of 10000000 bytes",
                           "packet 0x5 where a handshake was expected",
                           "a handshake asking for state 9", "a string of 100000 bytes"):
                assert any(reason in w for w in warnings), (reason, warnings)
            status, _ = await ping(server)
            assert status["players"]["max"] == 7
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_a_taken_game_port_is_a_warning_not_a_failure(tmp_path):
    async def scenario() -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            server = game_server(tmp_path, server_port=port)
            await server.start()
            try:
                assert server.state == "running" and server.status_listener is None
                assert any(f"The game port 127.0.0.1:{port} is taken" in w
                           for w in server.console.messages("server"))
            finally:
                await server.stop()

    asyncio.run(scenario())


def test_online_mode_refuses_to_start_rather_than_pretend(tmp_path):
    async def scenario() -> None:
        server = game_server(tmp_path, online_mode=True)
        try:
            await server.start()
        except ServerStartError as exc:
            message = str(exc)
        else:
            await server.stop()
            raise AssertionError("the server started with online-mode=true")
        assert "Mojang authentication" in message and "online-mode=false" in message
        assert server.state == "stopped" and server.status_listener is None
        assert any("online-mode=true" in m for m in server.console.messages("server"))

    asyncio.run(scenario())
