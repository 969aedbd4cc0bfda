"""The real-client harness itself: npm install cache, bot.js over JSON lines, BotSwarm.

These need Node.js and npm only; the tests that join Pumpkin Patch's own
server use the same ``bot_swarm`` fixture.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gui.devkit import npm_install
from gui.devkit.node_clients import (
    CLIENTS_SOURCE,
    BotError,
    NodeClientsError,
    ensure_clients,
    lockfile_key,
)

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed_version(clients: Path, package: str) -> str:
    return json.loads((clients / "node_modules" / package / "package.json").read_text())[
        "version"]


def test_the_clients_are_installed_once_per_lockfile_at_the_locked_versions(
        node_clients, monkeypatch):
    assert node_clients.name == lockfile_key(CLIENTS_SOURCE)
    lock = json.loads((CLIENTS_SOURCE / "package-lock.json").read_text())["packages"]
    for package in ("mineflayer", "minecraft-protocol", "minecraft-data"):
        assert installed_version(node_clients, package) == lock[f"node_modules/{package}"][
            "version"]
    assert installed_version(node_clients, "mineflayer") == "4.39.0"
    assert installed_version(node_clients, "minecraft-protocol") == "1.68.0"

    def no_npm(*args, **kwargs):
        raise AssertionError(f"npm ran although the install is cached: {args}")

    monkeypatch.setattr(npm_install.subprocess, "run", no_npm)
    assert ensure_clients() == node_clients


def test_a_lockfile_out_of_step_with_package_json_fails_with_npms_words(tmp_path):
    source = tmp_path / "clients"
    source.mkdir()
    shutil.copyfile(CLIENTS_SOURCE / "package-lock.json", source / "package-lock.json")
    manifest = json.loads((CLIENTS_SOURCE / "package.json").read_text())
    manifest["dependencies"]["mineflayer"] = "4.38.0"  # the lockfile says 4.39.0
    (source / "package.json").write_text(json.dumps(manifest))
    cache = tmp_path / "cache"

    with pytest.raises(NodeClientsError) as failure:
        ensure_clients(cache, source=source)

    message = str(failure.value)
    assert str(source / "package-lock.json") in message
    assert "npm ci" in message and "in sync" in message  # npm's own explanation
    assert list((cache / "node-clients").iterdir()) == []  # nothing half-installed left


def test_two_processes_installing_at_once_end_with_one_complete_install(tmp_path):
    # A one-package lockfile cut from the real one (vec3 has no dependencies), so the
    # race costs seconds, not two full installs.
    lock = json.loads((CLIENTS_SOURCE / "package-lock.json").read_text())
    vec3 = lock["packages"]["node_modules/vec3"]
    source = tmp_path / "clients"
    source.mkdir()
    manifest = {"name": "race", "version": "1.0.0", "private": True,
                "dependencies": {"vec3": vec3["version"]}}
    (source / "package.json").write_text(json.dumps(manifest))
    (source / "package-lock.json").write_text(json.dumps({
        "name": "race", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "race", "version": "1.0.0",
                          "dependencies": manifest["dependencies"]},
                     "node_modules/vec3": vec3}}))
    cache = tmp_path / "cache"
    code = ("import sys; from pathlib import Path; from gui.devkit.node_clients import "
            "ensure_clients; print(ensure_clients(Path(sys.argv[1]), source=Path(sys.argv[2])))")
    racers = [subprocess.Popen([sys.executable, "-c", code, str(cache), str(source)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    results = [racer.communicate(timeout=240) for racer in racers]

    assert [r.returncode for r in racers] == [0, 0], [err for _, err in results]
    paths = {out.strip() for out, _ in results}
    assert paths == {str(cache / "node-clients" / lockfile_key(source))}
    installed = Path(paths.pop())
    assert installed_version(installed, "vec3") == vec3["version"]
    assert [p.name for p in (cache / "node-clients").iterdir()] == [installed.name]


def test_bot_js_says_ready_and_a_closed_port_ends_the_bot_naming_the_address(bot_swarm):
    port = closed_port()

    async def scenario():
        async with bot_swarm as swarm:
            assert swarm.events[0]["event"] == "ready"
            assert isinstance(swarm.events[0]["t"], int)
            bot = await swarm.join("Bot1", "127.0.0.1", port)
            with pytest.raises(BotError, match=r"Bot1 .* disconnected"):
                await bot.wait_for("spawn", timeout=60)
            error = await bot.wait_for("error")
            assert f"127.0.0.1:{port}" in error["message"]
            assert (await bot.wait_for("end"))["t"] >= error["t"]
            return swarm.pid

    pid = asyncio.run(scenario())
    assert pid is not None
    assert bot_swarm.pid is None  # closed: node has exited


def test_a_failing_command_is_an_error_event_and_the_process_carries_on(bot_swarm):
    async def scenario():
        async with bot_swarm as swarm:
            gone = await swarm.join("Gone", "127.0.0.1", closed_port())
            await gone.wait_for("end", timeout=60)
            mark = gone.mark()
            gone.chat("hello?")
            error = await gone.wait_for("error", after=mark)
            assert error["cmd"] == "chat" and "no connected bot" in error["message"]
            with pytest.raises(BotError, match="Gone"):
                await gone.position()
            # The same process still drives new bots.
            again = await swarm.join("Again", "127.0.0.1", closed_port())
            await again.wait_for("end", timeout=60)
            assert swarm.pid is not None
            assert [e for e in swarm.events if e["event"] == "error"] == []

    asyncio.run(scenario())


async def _refuse_login(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer a client's handshake and login start with a login-state disconnect."""
    await reader.read(1)  # the client has spoken; what it said does not matter here
    reason = json.dumps({"text": "You are banned: ",
                         "extra": [{"text": "griefing", "color": "red"}]}).encode()
    body = _varint(0x00) + _varint(len(reason)) + reason  # login "disconnect" packet
    writer.write(_varint(len(body)) + body)
    await writer.drain()
    writer.close()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_a_disconnect_reason_reaches_the_test_as_plain_text(bot_swarm):
    async def scenario():
        server = await asyncio.start_server(_refuse_login, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with bot_swarm as swarm:
                bot = await swarm.join("Banned", "127.0.0.1", port)
                kicked = await bot.wait_for("kicked", timeout=60)
                assert kicked["reason"] == "You are banned: griefing"
                assert kicked["logged_in"] is False
                with pytest.raises(BotError, match=r"was kicked .*You are banned: griefing"):
                    await bot.wait_for_message("welcome")
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())


_ORPHAN_PARENT = """
import asyncio, sys
from pathlib import Path
from gui.devkit.node_clients import BotSwarm

async def main():
    swarm = BotSwarm(Path(sys.argv[1]))
    bot = await swarm.join("Stays", "127.0.0.1", int(sys.argv[2]))
    print(swarm.pid, flush=True)
    await asyncio.Event().wait()  # until killed

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent has not reaped it yet


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_node_ends_when_the_python_side_is_killed(node_clients):
    # A server that takes the connection and never answers: the bot's open socket
    # would keep node running if it did not end on its own when stdin closes.
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    with silent:
        with subprocess.Popen(
                [sys.executable, "-c", _ORPHAN_PARENT, str(node_clients), str(port)],
                cwd=REPO, stdout=subprocess.PIPE, text=True) as parent:
            try:
                pid = int(parent.stdout.readline())
                assert _alive(pid)
            finally:
                parent.kill()  # SIGKILL: no close(), no exit command; node sees stdin close
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a process that is not ours to wait on
        assert not _alive(pid), f"bot.js (pid {pid}) outlived the process that started it"
