"""Finding 4: RCON's lockout and connection pool hold against many parallel connections."""

from __future__ import annotations

import asyncio
import contextlib

from gui.server.rcon import MAX_LOGIN_FAILURES
from tests.server.test_rcon import PASSWORD, Client, rcon_server


def test_guesses_on_parallel_connections_share_one_lockout(tmp_path):
    """16 connections opened first give 3 guesses in all, not 3 each; the right one is refused."""
    async def scenario() -> list[int]:
        server = rcon_server(tmp_path)
        await server.start()
        try:
            clients = [await Client.connect(server) for _ in range(16)]
            answers = []
            for index, client in enumerate(clients):
                with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                    answers.append(await client.login(f"guess-{index}"))
            # Guess 17 on yet another connection is the right password: still refused.
            late = await Client.connect(server)
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                answers.append(await late.login(PASSWORD))
            for client in (*clients, late):
                client.close()
            return answers
        finally:
            await server.stop()

    answers = asyncio.run(scenario())
    assert all(answer == -1 for answer in answers), answers
    wrong_lines = [m for m in _messages_of(tmp_path) if "Wrong RCON password" in m]
    assert len(wrong_lines) == MAX_LOGIN_FAILURES, wrong_lines


def _messages_of(tmp_path) -> list[str]:
    return (tmp_path / "logs" / "latest.log").read_text(encoding="utf-8").splitlines()


def test_idle_connections_do_not_keep_the_admin_out(tmp_path):
    """An attacker holds 16 idle connections and reopens each one that closes; admins get in."""
    async def scenario() -> list[float]:
        server = rcon_server(tmp_path)
        await server.start()
        stop = asyncio.Event()
        held: list[Client] = []

        async def attacker() -> None:
            while not stop.is_set():
                for client in list(held):  # reopen what the server closed
                    if client.reader.at_eof():
                        held.remove(client)
                        client.close()
                while len(held) < 16:
                    held.append(await Client.connect(server))
                await asyncio.sleep(0.01)

        attack = asyncio.get_running_loop().create_task(attacker())
        try:
            while len(held) < 16:
                await asyncio.sleep(0.01)
            loop = asyncio.get_running_loop()
            waits = []
            for _ in range(10):
                began = loop.time()
                admin = await Client.connect(server)
                assert await asyncio.wait_for(admin.login(), 1.0) == 7
                assert "There are 0 of a max" in await admin.run("list")
                waits.append(loop.time() - began)
                admin.close()
            return waits
        finally:
            stop.set()
            await attack
            for client in held:
                client.close()
            await server.stop()

    waits = asyncio.run(scenario())
    assert len(waits) == 10 and max(waits) < 1.0


def test_a_line_break_in_a_command_is_not_a_second_command(tmp_path):
    async def scenario() -> str:
        server = rcon_server(tmp_path)
        await server.start()
        try:
            client = await Client.connect(server)
            assert await client.login() == 7
            reply = await client.run("say hello\nop Mallory")
            client.close()
            return reply
        finally:
            await server.stop()

    reply = asyncio.run(scenario())
    assert "one line" in reply
    lines = _messages_of(tmp_path)
    assert not any("Mallory a server operator" in line for line in lines)
    # Every line of the log starts with a time and a level: nothing unprefixed.
    assert all(line.startswith("[") and "] [" in line for line in lines), lines
    assert not (tmp_path / "ops.json").exists() or "Mallory" not in (
        tmp_path / "ops.json").read_text()

