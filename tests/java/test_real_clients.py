"""Real Minecraft Java 26.1 clients (mineflayer bots) on the server, with real SDK plugins.

Each test starts the same core the app runs, on a free port, with the
samples built by pumpkin-api-py, and drives bots from npm: they join and
spawn, see the greeter's broadcast, chat through the chat filter, run a
plugin command with an argument, Tab-complete plugin commands, are
teleported by a plugin, are kicked with a reason, and are refused when
banned or not white-listed. Playtest and network players see each other.
"""

from __future__ import annotations

import asyncio

import pytest

from gui.plugins import PluginState
from gui.server.config import ServerConfig
from tests.harness import Session
from tests.sdk_plugins import sdk_plugin
from tests.server.test_rcon import free_port

pytestmark = pytest.mark.sdk

PLUGINS = ("greeter", "chat_filter", "dice", "warp")


@pytest.fixture(scope="module")
def plugin_files():
    return [sdk_plugin(name) for name in PLUGINS]


def session_on_free_port(paths, plugin_files, **properties) -> tuple[Session, int]:
    port = free_port()
    config = ServerConfig(server_port=port, view_distance=3, **properties)
    paths.server_dir.mkdir(parents=True, exist_ok=True)
    config.save(paths.server_dir / "server.properties")
    session = Session(paths)
    session.install(*plugin_files)
    return session, port


async def running(session: Session) -> None:
    for name in PLUGINS:
        plugin = session.plugins.get(name)
        assert plugin.state is PluginState.RUNNING, (name, plugin.error)


def test_a_bot_joins_chats_runs_commands_and_is_moved_by_plugins(paths, plugin_files,
                                                                 bot_swarm):
    async def scenario() -> None:
        session, port = session_on_free_port(paths, plugin_files)
        async with session, bot_swarm as swarm:
            await running(session)
            bot = await swarm.join("Bot1", port=port)
            await bot.wait_for("spawn", timeout=30)
            # greeter: the changed join message and its broadcast reach the client.
            await bot.wait_for_message("Welcome to the server, Bot1!")
            await bot.wait_for_message("Bot1 is here — say hi!")
            # warp's join handler: a title on the client's screen.
            await bot.wait_for("title", where=lambda e: "Welcome" in e.get("text", ""))
            await session.wait_for(r"^Bot1\[127\.0\.0\.1:\d+\] \(.*\) logged in$", "server")

            # chat_filter rewrites what the bot says, for the bot itself too.
            bot.chat("oh heck, that was close")
            await bot.wait_for_message("<Bot1> oh ****, that was close")
            # dice: a plugin command with an argument, and its answer.
            bot.chat("/roll 20")
            answer = (await bot.wait_for_message(lambda m: m.startswith("Bot1 rolled ")))["text"]
            rolled = int(answer.split()[2])
            assert 1 <= rolled <= 20 and answer.endswith("(1-20)")

            # Tab completion offers plugin commands (and built-ins) the player may run.
            matches = await bot.tab_complete("/r")
            assert "roll" in matches, matches
            assert "warp" in await bot.tab_complete("/wa")
            assert "stop" not in await bot.tab_complete("/st")  # an op command
            await session.run("op Bot1")  # the client's command tree follows the new level
            deadline = asyncio.get_running_loop().time() + 10
            while "stop" not in await bot.tab_complete("/st"):
                assert asyncio.get_running_loop().time() < deadline, "no op commands offered"
                await asyncio.sleep(0.2)
            await session.run("deop Bot1")

            # warp teleports the bot, and the bot's own position follows.
            bot.chat("/warp 40.5 -60 -25.5")
            await bot.wait_for_message("Warped Bot1 to 40.5 -60 -25.5")
            await bot.wait_for("forced_move", where=lambda e: abs(e["x"] - 40.5) < 0.01)
            player = session.server.players.get("Bot1")
            await session.wait_until(lambda: abs(player.position.z + 25.5) < 0.01,
                                     what="the server to see the teleport")
            position = await bot.position()
            assert abs(position.x - 40.5) < 0.01 and abs(position.z + 25.5) < 0.01, position
            # warp's /mark changes a block of the world; the client sees the change.
            bot.chat("/mark")
            await bot.wait_for_message("Marked 40 -61 -26")
            update = await bot.wait_for("block_update", where=lambda e: e["name"] == "gold_block")
            assert (update["x"], update["y"], update["z"]) == (40, -61, -26), update
            assert session.server.world.get_state(40, -61, -26) == \
                session.server.world.blocks.state("gold_block")
            # Stepping onto the mark from the next block: warp reads the block below
            # (world.get-block-state) and says so.
            bot.chat("/warp 40.5 -60 -23.5")
            await bot.wait_for("forced_move", where=lambda e: abs(e["z"] + 23.5) < 0.01)
            await bot.move("back", 600)
            await bot.wait_for_message("You are on a mark")
            # The plugin sees the network player's position and ping.
            bot.chat("/where")
            await bot.wait_for_message(lambda m: m.startswith("Bot1 is at 40.5 ") and "ping" in m)

            # Moves fire player-move-event: warp cancels those past z = 1000, and the
            # server puts the bot back where it was.
            bot.chat("/warp 0.5 -60 998.5")
            await bot.wait_for("forced_move", where=lambda e: abs(e["z"] - 998.5) < 0.01)
            await bot.move("forward", 2500)
            await bot.wait_for_message("The lab ends at z = 1000")
            assert player.position.z <= 1000.0, player.position
            # The client may still be stepping past the edge when its walk ends; the
            # server's correction puts it back, so its own position settles inside.
            deadline = asyncio.get_running_loop().time() + 10
            while (position := await bot.position()).z > 1000.0:
                assert asyncio.get_running_loop().time() < deadline, position
                await asyncio.sleep(0.2)
            assert not session.seen(r"trapped"), session.messages()  # no plugin failed

            # The console kicks with a reason; the bot is told it.
            await session.run("kick Bot1 enough testing")
            kicked = await bot.wait_for("kicked", timeout=10)
            assert "enough testing" in kicked["reason"], kicked
            await session.wait_until(lambda: session.server.players.get("Bot1") is None,
                                     what="Bot1 to be gone")

    asyncio.run(scenario())


def test_banned_and_not_whitelisted_names_cannot_join(paths, plugin_files, bot_swarm):
    async def scenario() -> None:
        session, port = session_on_free_port(paths, plugin_files)
        async with session, bot_swarm as swarm:
            await session.run("ban Mallory griefing the spawn")
            mallory = await swarm.join("Mallory", port=port)
            refused = await mallory.wait_for("kicked", timeout=20)
            assert "banned" in refused["reason"] and "griefing the spawn" in refused["reason"]
            assert session.server.players.get("Mallory") is None

            await session.run("whitelist add Alice")
            await session.run("whitelist on")
            eve = await swarm.join("Eve", port=port)
            refused = await eve.wait_for("kicked", timeout=20)
            assert "not white-listed" in refused["reason"], refused
            alice = await swarm.join("Alice", port=port)
            await alice.wait_for("spawn", timeout=30)
            assert [p.name for p in session.server.players] == ["Alice"]

    asyncio.run(scenario())


def test_playtest_and_network_players_see_each_other(paths, plugin_files, bot_swarm):
    async def scenario() -> None:
        session, port = session_on_free_port(paths, plugin_files)
        async with session, bot_swarm as swarm:
            bot = await swarm.join("Bot2", port=port)
            await bot.wait_for("spawn", timeout=30)
            start = len(session.lines)
            await session.run("playtest join Alice")
            await bot.wait_for_message("Alice is here — say hi!")
            await bot.wait_for("player_joined", where=lambda e: e.get("username") == "Alice")
            await session.run("playtest chat Alice hello from the playtest")
            await bot.wait_for_message("<Alice> hello from the playtest")
            bot.chat("hello from the client")
            await session.wait_for(r"^Alice <- chat: <Bot2> hello from the client$",
                                   "playtest", start=start)
            await session.run("playtest leave Alice")
            await bot.wait_for("player_left", where=lambda e: e.get("username") == "Alice")

    asyncio.run(scenario())
