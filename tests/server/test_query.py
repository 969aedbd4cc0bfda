"""Query (GameSpy4 over UDP) with a client written from the protocol: stats, and what is dropped."""

from __future__ import annotations

import asyncio
import socket
import struct

from gui.server.config import ServerConfig
from gui.server.local_server import LocalServer
from gui.server.query import TOKEN_LIFETIME_S, QueryListener
from gui.server.status import ServerStatus

SESSION = b"\x00\x00\x00\x07"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr) -> None:
        self.replies.put_nowait(data)


async def client_for(address):
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(Client, remote_addr=address)
    return transport, client


async def ask(transport, client, data: bytes, timeout: float = 2.0) -> bytes | None:
    transport.sendto(data)
    try:
        return await asyncio.wait_for(client.replies.get(), timeout)
    except TimeoutError:
        return None


async def challenge(transport, client) -> bytes:
    reply = await ask(transport, client, b"\xfe\xfd\x09" + SESSION)
    assert reply is not None and reply[:5] == b"\x09" + SESSION and reply.endswith(b"\x00")
    return struct.pack(">i", int(reply[5:-1]))


def test_basic_and_full_stat_tell_motd_players_and_names(tmp_path):
    async def scenario() -> None:
        config = ServerConfig(enable_query=True, query_port=free_udp_port(), motd="Query lab",
                              max_players=9, server_port=free_udp_port(), level_name="lab")
        server = LocalServer(tmp_path, config=config)
        await server.start()
        transport = None
        try:
            for name in ("Alice", "Bob"):
                await server.execute_console(f"playtest join {name}")
            transport, client = await client_for(server.query.address)
            token = await challenge(transport, client)

            basic = await ask(transport, client, b"\xfe\xfd\x00" + SESSION + token)
            assert basic[:5] == b"\x00" + SESSION
            motd, gametype, level, online, most, rest = basic[5:].split(b"\x00", 5)
            assert (motd, gametype, level, online, most) == (b"Query lab", b"SMP", b"lab",
                                                             b"2", b"9")
            assert struct.unpack("<H", rest[:2])[0] == config.server_port
            assert rest[2:] == b"127.0.0.1\x00"

            full = await ask(transport, client, b"\xfe\xfd\x00" + SESSION + token + b"\0" * 4)
            body = full[5:]
            assert body.startswith(b"splitnum\x00\x80\x00")
            pairs_part, players_part = body[11:].split(b"\x00\x00\x01player_\x00\x00", 1)
            fields = pairs_part.split(b"\x00")
            pairs = dict(zip(fields[::2], fields[1::2], strict=True))
            assert pairs[b"hostname"] == b"Query lab" and pairs[b"numplayers"] == b"2"
            assert pairs[b"game_id"] == b"MINECRAFT" and pairs[b"map"] == b"lab"
            assert players_part.split(b"\x00")[:2] == [b"Alice", b"Bob"]
            assert players_part.endswith(b"\x00\x00")
        finally:
            if transport is not None:
                transport.close()
            await server.stop()
        assert server.query is None

    asyncio.run(scenario())


def test_bad_datagrams_get_no_answer_and_the_port_keeps_answering(tmp_path):
    async def scenario() -> None:
        config = ServerConfig(enable_query=True, query_port=free_udp_port())
        server = LocalServer(tmp_path, config=config)
        await server.start()
        transport = None
        try:
            transport, client = await client_for(server.query.address)
            stat = b"\xfe\xfd\x00" + SESSION
            for data in (b"hello", b"\xfe\xfd\x05" + SESSION, stat + b"\x00\x00\x00\x01",
                         stat + b"\x01"):
                assert await ask(transport, client, data, timeout=0.3) is None
            assert server.query.dropped == {"not a query": 1, "an unknown request": 2,
                                            "a bad token": 1}
            token = await challenge(transport, client)
            assert (await ask(transport, client, stat + token))[:5] == b"\x00" + SESSION
            assert server.state == "running"
        finally:
            if transport is not None:
                transport.close()
            await server.stop()

    asyncio.run(scenario())


def test_a_challenge_expires_and_belongs_to_the_address_that_asked():
    now = [0.0]
    status = ServerStatus("m", 0, 20, ())
    query = QueryListener(None, lambda: status, list, clock=lambda: now[0])
    reply = query.answer(b"\xfe\xfd\x09" + SESSION, "127.0.0.2")
    token = struct.pack(">i", int(reply[5:-1]))
    stat = b"\xfe\xfd\x00" + SESSION + token
    assert query.answer(stat, "127.0.0.3") is None  # another address
    assert query.answer(stat, "127.0.0.2") is not None
    now[0] += TOKEN_LIFETIME_S - 1  # still within its lifetime
    assert query.answer(stat, "127.0.0.2") is not None
    now[0] += TOKEN_LIFETIME_S + 2  # past twice the lifetime: surely gone
    assert query.answer(stat, "127.0.0.2") is None
    assert query.dropped == {"a bad token": 2}
