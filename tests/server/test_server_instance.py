"""LocalServer end to end: playtest players, events, ops, shutdown."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from gui.server.config import ServerConfig
from gui.server.events import (
    PlayerChatEvent,
    PlayerLoginEvent,
    ServerCommandEvent,
    ServerEvent,
)
from gui.server.local_server import LocalServer
from gui.server.players import offline_uuid
from gui.server.text import TextComponent


def playtest(server: LocalServer) -> list[str]:
    return server.console.messages("playtest")


class ChatFilter:
    """A stand-in plugin: cancels 'secret' chat, shouts and narrows the rest."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        for event in events:
            self.seen.append(event.event_type)
            if isinstance(event, PlayerChatEvent):
                if "secret" in event.message:
                    event.cancelled = True
                else:
                    event.message = event.message.upper()
                    event.recipients = [p for p in event.recipients if p.name != "Bob"]
            elif isinstance(event, PlayerLoginEvent) and event.player.name == "Mallory":
                event.cancelled = True
                event.kick_message = TextComponent.of("No Mallory here")
            elif isinstance(event, ServerCommandEvent) and event.command == "stop":
                event.cancelled = True
        return events


def test_playtest_lines_follow_the_contract(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        server = LocalServer(tmp_path)
        await server.start()
        for line in ("playtest join Alice", "playtest join Bob",
                     "playtest chat Alice hello world", "playtest run Bob list",
                     "playtest leave Alice"):
            await server.execute_console(line)
        await server.stop()
        return playtest(server)

    assert asyncio.run(scenario()) == [
        "Alice <- system: Alice joined the game",
        "Alice <- system: Bob joined the game",
        "Bob <- system: Bob joined the game",
        "Alice <- chat: <Alice> hello world",
        "Bob <- chat: <Alice> hello world",
        "Bob <- feedback: There are 2 of a max of 20 players online: Alice, Bob",
        "Bob <- system: Alice left the game",
        "Bob <- kick: Server closed",
    ]


def test_plugins_can_cancel_and_modify(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], list[str], ChatFilter, int]:
        server = LocalServer(tmp_path)
        sink = ChatFilter()
        server.events.sink = sink
        await server.start()
        for line in ("playtest join Alice", "playtest join Bob", "playtest join Mallory",
                     "playtest chat Alice my secret", "playtest chat Bob hi all"):
            await server.execute_console(line)
        stopped = await server.execute_console("stop")
        names = server.players.names()
        await server.stop()
        return playtest(server), names, sink, stopped

    lines, names, sink, stopped = asyncio.run(scenario())
    assert "Mallory <- kick: No Mallory here" in lines
    assert names == ["Alice", "Bob"]
    chat = [line for line in lines if "<- chat:" in line]
    assert chat == ["Alice <- chat: <Bob> HI ALL"]
    assert stopped == 0  # the stop command was cancelled by the plugin
    assert sink.seen[0] == "server-load-event"


def test_op_persists_across_restart(tmp_path: Path) -> None:
    async def first() -> None:
        server = LocalServer(tmp_path)
        await server.start()
        await server.execute_console("op Alice")
        await server.stop()

    async def second() -> list[str]:
        server = LocalServer(tmp_path)
        await server.start()
        await server.execute_console("playtest join Alice")
        await server.execute_console("playtest run Alice say hi")
        player = server.players.get("Alice")
        assert player is not None and player.permission_level == 4
        await server.stop()
        return playtest(server)

    asyncio.run(first())
    saved = json.loads((tmp_path / "ops.json").read_text(encoding="utf-8"))
    assert saved == [{"uuid": str(offline_uuid("Alice")), "name": "Alice", "level": 4,
                      "bypassesPlayerLimit": False}]
    assert "Alice <- system: [Alice] hi" in asyncio.run(second())


def test_corrupt_ops_file_does_not_stop_the_server(tmp_path: Path) -> None:
    (tmp_path / "ops.json").write_text("{{{", encoding="utf-8")

    async def scenario() -> tuple[str, list[str]]:
        server = LocalServer(tmp_path)
        await server.start()
        state = server.state
        await server.stop()
        return state, [line.message for line in server.console.lines(level="warn")]

    state, warnings = asyncio.run(scenario())
    assert state == "running"
    assert any("ops.json is corrupt" in w for w in warnings)
    (aside,) = tmp_path.glob("ops.json.corrupt-*")
    assert aside.read_text(encoding="utf-8") == "{{{"


def test_refused_joins(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        server = LocalServer(tmp_path, config=ServerConfig(white_list=True, max_players=1))
        await server.start()
        server.whitelist.add(offline_uuid("Alice"), "Alice")
        server.whitelist.add(offline_uuid("Bob"), "Bob")
        server.whitelist.add(offline_uuid("Carl"), "Carl")
        await server.execute_console("ban Carl griefing")
        for line in ("playtest join Carl", "playtest join Eve", "playtest join Alice",
                     "playtest join Bob", "playtest join no-way"):
            await server.execute_console(line)
        await server.stop()
        return playtest(server)

    assert asyncio.run(scenario()) == [
        "Carl <- kick: You are banned from this server. Reason: griefing",
        "Eve <- kick: You are not white-listed on this server!",
        "Alice <- system: Alice joined the game",
        "Bob <- kick: The server is full!",
        "no-way <- kick: Invalid player name 'no-way': use 1-16 letters, digits or _",
        "Alice <- kick: Server closed",
    ]


def test_stop_kicks_players_and_is_idempotent(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], list[str], bool]:
        server = LocalServer(tmp_path)
        states: list[str] = []
        server.on_change(lambda what, value: states.append(str(value)) if what == "state" else None)
        await server.start()
        await server.execute_console("playtest join Alice")
        await server.execute_console("stop")
        await asyncio.wait_for(server.stopped.wait(), 10)
        await server.stop()
        return playtest(server), states, len(server.players) == 0

    lines, states, empty = asyncio.run(scenario())
    assert lines[-1] == "Alice <- kick: Server closed"
    assert states == ["starting", "running", "stopping", "stopped"]
    assert empty


def test_before_stop_hooks_run_while_players_are_online(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        server = LocalServer(tmp_path)

        async def farewell() -> None:
            await server.broadcast(TextComponent.of("Plugins unloading"))

        async def broken() -> None:
            raise RuntimeError("hook failed")

        server.before_stop(broken)
        server.before_stop(farewell)
        await server.start()
        await server.execute_console("playtest join Alice")
        await server.stop()
        return playtest(server)

    assert asyncio.run(scenario())[-2:] == [
        "Alice <- system: Plugins unloading",
        "Alice <- kick: Server closed",
    ]


def test_broadcast_and_log_file(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        server = LocalServer(tmp_path)
        await server.start()
        await server.execute_console("playtest join Alice")
        await server.broadcast(TextComponent.of("Restart soon", color="red"))
        await server.execute_console("say bye")
        await server.stop()
        return playtest(server)

    lines = asyncio.run(scenario())
    assert "Alice <- system: Restart soon" in lines
    assert "Alice <- system: [Server] bye" in lines
    log = (tmp_path / "logs" / "latest.log").read_text(encoding="utf-8")
    assert "Done (" in log and "[playtest] Alice <- system: Restart soon" in log
    assert (tmp_path / "server.properties").exists()
