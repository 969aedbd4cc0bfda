"""Fixtures for tests with real Minecraft Java clients (mineflayer bots from npm).

The clients' packages are installed from ``resources/clients/package-lock.json``
by the first test that needs them (``npm ci``, about half a minute, once per
lockfile) and cached with the other devkit builds; see gui/devkit/node_clients.py.
A test uses the swarm inside its own event loop::

    def test_join(bot_swarm):
        async def scenario():
            async with bot_swarm as swarm:
                bot = await swarm.join("Bot1", "127.0.0.1", port)
                await bot.wait_for("spawn")
        asyncio.run(scenario())
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.devkit.node_clients import BotSwarm, ensure_clients


@pytest.fixture(scope="session")
def node_clients() -> Path:
    """The installed clients (their node_modules), installed on first use."""
    return ensure_clients()


@pytest.fixture
def bot_swarm(node_clients):
    """A :class:`BotSwarm` not yet started; ``async with`` it in the test's loop.

    The node process is killed afterwards should the test not have closed it.
    """
    swarm = BotSwarm(node_clients)
    yield swarm
    swarm.kill()
