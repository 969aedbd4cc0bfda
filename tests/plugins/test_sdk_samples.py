"""Plugins built with Pumpkin's own SDK (pumpkin-api-py), unmodified, in a real session.

Each sample behaves as its README says, driven with playtest commands:
the greeter changes the join message and broadcasts, the chat filter
rewrites and cancels, dice registers a command with arguments, the
announcer runs a repeating task and a permission-gated command.
"""

from __future__ import annotations

import asyncio

import pytest

from gui.plugins import PluginState
from tests.harness import Session
from tests.sdk_plugins import sdk_plugin

pytestmark = pytest.mark.sdk

SAMPLES = ("greeter", "chat_filter", "dice", "announcer")


@pytest.fixture(scope="module")
def sample_files():
    return [sdk_plugin(name) for name in SAMPLES]


def test_sdk_samples_behave_as_written(paths, sample_files):
    async def scenario() -> None:
        session = Session(paths)
        session.install(*sample_files)
        async with session:
            for name in SAMPLES:
                plugin = session.plugins.get(name)
                assert plugin.state is PluginState.RUNNING, (name, plugin.error)

            # greeter: join message replaced, extra broadcast.
            start = len(session.lines)
            await session.run("playtest join Alice")
            await session.wait_for(r"^Alice <- system: Welcome to the server, Alice!$",
                                   "playtest", start=start)
            await session.wait_for(r"^Alice <- system: Alice is here — say hi!$", "playtest",
                                   start=start)
            assert not session.seen(r"Alice joined the game")

            # chat_filter: blocked words masked, shouting cancelled.
            start = len(session.lines)
            await session.run("playtest chat Alice oh heck, that was close")
            await session.wait_for(r"^Alice <- chat: <Alice> oh \*\*\*\*, that was close$",
                                   "playtest", start=start)
            start = len(session.lines)
            await session.run("playtest chat Alice STOP SHOUTING")
            await session.wait_for(r"^Alice <- system: Please don't shout\.$", "playtest",
                                   start=start)
            assert not session.seen(r"<Alice> STOP SHOUTING")

            # dice: a command with an integer argument, and without it.
            start = len(session.lines)
            await session.run("playtest run Alice roll 20")
            line = await session.wait_for(r"^Alice <- feedback: Alice rolled \d+ \(1-20\)$",
                                          "playtest", start=start)
            assert 1 <= int(line.split("rolled ")[1].split(" ")[0]) <= 20
            start = len(session.lines)
            await session.run("playtest run Alice roll")
            await session.wait_for(r"^Alice <- feedback: Alice rolled [1-6] \(1-6\)$",
                                   "playtest", start=start)
            start = len(session.lines)
            await session.run("playtest run Alice roll 1")  # below the declared minimum
            await session.wait_for(r"^Alice <- feedback: .*", "playtest", start=start)
            assert not session.seen(r"Alice rolled \d+ \(1-1\)")

            # announcer: repeating task broadcasts tips; /announce needs op level 2.
            await session.wait_for(r"^Alice <- system: Tip 1: ", "playtest", timeout=15)
            start = len(session.lines)
            await session.run("playtest run Alice announce hello all")
            await session.wait_for(r"^Alice <- feedback: You do not have permission", "playtest",
                                   start=start)
            await session.run("op Alice")
            start = len(session.lines)
            await session.run("playtest run Alice announce hello all")
            await session.wait_for(r"^Alice <- system: \[Announcement\] hello all$", "playtest",
                                   start=start)

            # The server kept ticking while all of this ran through the runtime.
            assert session.server.ticks.tps > 15
            # Reload: on-unload, then on-load again; the command still works.
            assert "dice is running" in await session.server.plugin_host.reload_plugin("dice")
            start = len(session.lines)
            await session.run("playtest run Alice coinflip")
            await session.wait_for(r"^Alice <- feedback: Alice flipped (heads|tails)$",
                                   "playtest", start=start)

    asyncio.run(scenario())


def test_sdk_plugin_inspect_shows_metadata_and_permissions(capsys, tmp_path):
    from gui.cli import main

    code = main(["--basedir", str(tmp_path), "plugin", "inspect", str(sdk_plugin("stats"))])
    out = capsys.readouterr().out
    assert code == 0
    assert "stats" in out
    assert "fs.read.data, fs.write.data" in out
    assert "World                 pumpkin:plugin@0.1.0" in out
