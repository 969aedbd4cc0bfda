"""RCON on a real TCP port: a client speaking the Source RCON protocol, good and bad."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

from gui.server.config import ServerConfig
from gui.server.local_server import LocalServer
from gui.server.rcon import COMMAND, LOGIN, MAX_OUTPUT_CHUNK, RESPONSE, encode

PASSWORD = "s3cret-passw0rd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rcon_server(tmp_path: Path, **settings) -> LocalServer:
    config = ServerConfig(enable_rcon=True, rcon_password=PASSWORD, rcon_port=free_port())
    for key, value in settings.items():
        setattr(config, key, value)
    return LocalServer(tmp_path, config=config)


class Client:
    """A minimal RCON client, written from the protocol (as mcrcon would talk)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, server: LocalServer) -> Client:
        assert server.rcon is not None and server.rcon.address is not None
        return cls(*await asyncio.open_connection(*server.rcon.address))

    async def send(self, request_id: int, kind: int, payload: str) -> None:
        self.writer.write(encode(request_id, kind, payload))
        await self.writer.drain()

    async def receive(self) -> tuple[int, int, bytes]:
        (length,) = struct.unpack("<i", await self.reader.readexactly(4))
        body = await self.reader.readexactly(length)
        request_id, kind = struct.unpack_from("<ii", body)
        return request_id, kind, body[8:-2]

    async def login(self, password: str = PASSWORD, request_id: int = 7) -> int:
        await self.send(request_id, LOGIN, password)
        answer_id, kind, _ = await self.receive()
        assert kind == COMMAND
        return answer_id

    async def run(self, line: str, request_id: int = 11) -> str:
        await self.send(request_id, COMMAND, line)
        answer_id, kind, payload = await self.receive()
        assert (answer_id, kind) == (request_id, RESPONSE)
        return payload.decode()

    async def closed(self) -> bool:
        """The server closed the connection (a reset counts: it may close with data unread)."""
        try:
            return await asyncio.wait_for(self.reader.read(), 5) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.writer.close()


def test_login_then_commands_run_as_the_console(tmp_path):
    async def scenario() -> None:
        server = rcon_server(tmp_path)
        await server.start()
        try:
            client = await Client.connect(server)
            assert await client.login("wrong") == -1
            assert await client.login() == 7
            assert await client.run("list") == "There are 0 of a max of 20 players online: "
            await server.execute_console("playtest join Alice")
            assert "Alice" in await client.run("list")
            assert await client.run("op Alice") == "Made Alice a server operator (level 4)"
            assert server.ops.level_of(server.players.get("Alice").uuid) == 4
            assert "Unknown command" in await client.run("frobnicate")
            await client.run("say from afar")
            assert "[Rcon] from afar" in server.console.messages("server")[-1]
            client.close()
            log = server.console.messages("rcon")
            assert any(m.startswith("RCON login from 127.0.0.1:") for m in log)
            assert any(m.endswith("ran: op Alice") for m in log)
        finally:
            await server.stop()
        assert server.rcon is None

    asyncio.run(scenario())


def test_bad_input_closes_that_connection_only(tmp_path):
    async def scenario() -> None:
        server = rcon_server(tmp_path)
        await server.start()
        try:
            good = await Client.connect(server)
            assert await good.login() == 7

            early = await Client.connect(server)  # a command before logging in
            await early.send(1, COMMAND, "stop")
            assert await early.closed()

            huge = await Client.connect(server)  # an impossible length
            huge.writer.write(struct.pack("<i", 1_000_000) + b"x" * 64)
            assert await huge.closed()

            garbage = await Client.connect(server)  # not NUL-terminated
            garbage.writer.write(struct.pack("<iii", 12, 1, COMMAND) + b"abcd")
            assert await garbage.closed()

            guesser = await Client.connect(server)
            for _ in range(3):
                assert await guesser.login("guess") == -1
            assert await guesser.closed()
            locked_out = await Client.connect(server)  # same host, within the lockout
            await locked_out.send(1, LOGIN, PASSWORD)
            assert await locked_out.closed()  # even the right password: no answer

            warnings = server.console.messages("rcon")
            assert any("a command before logging in" in w for w in warnings)
            assert any("a packet of 1000000 bytes" in w for w in warnings)
            assert any("not ending in two NUL bytes" in w for w in warnings)
            assert any("3 wrong passwords" in w for w in warnings)
            assert server.state == "running"
            assert "There are 0" in await good.run("list")
            await good.send(9, RESPONSE, "")  # as tools do to find the end of a reply
            assert await good.receive() == (9, RESPONSE, b"Unknown request 0")
            for client in (good, early, huge, garbage, guesser, locked_out):
                client.close()
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_long_output_is_split_into_packets(tmp_path):
    async def scenario() -> None:
        server = rcon_server(tmp_path, max_players=1000)
        await server.start()
        try:
            for i in range(450):
                await server.execute_console(f"playtest join Player{i:03d}")
            client = await Client.connect(server)
            await client.login()
            await client.send(5, COMMAND, "list")
            first = await client.receive()
            assert len(first[2]) == MAX_OUTPUT_CHUNK
            second = await client.receive()
            assert first[:2] == second[:2] == (5, RESPONSE)
            text = (first[2] + second[2]).decode()
            assert text.startswith("There are 450 of a max of 1000 players online")
            assert text.endswith("Player449")
            client.close()
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_rcon_is_off_without_a_password_or_a_free_port(tmp_path):
    async def scenario() -> None:
        server = rcon_server(tmp_path / "a", rcon_password="")
        await server.start()
        assert server.rcon is None
        assert any("rcon.password is empty" in w for w in server.console.messages("server"))
        await server.stop()

        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            server = rcon_server(tmp_path / "b", rcon_port=port)
            await server.start()
            assert server.rcon is None and server.state == "running"
            assert any(f"RCON could not listen on 127.0.0.1:{port}" in w
                       for w in server.console.messages("server"))
            await server.stop()

    asyncio.run(scenario())
