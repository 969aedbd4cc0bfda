"""Shared fixtures: a temp profile per test, with a compile cache shared across runs."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app builds the sample plugins for its built-in marketplace source in the
# background; tests that want them build them explicitly (tests/market).
os.environ.setdefault("PUMPKIN_PATCH_BUILD_SAMPLES", "0")


@pytest.fixture
def paths(tmp_path):
    from tests.harness import test_paths

    return test_paths(tmp_path)


# Tests marked sdk may build the sample plugins with pumpkin-api-py and compile
# them cold (minutes on a fresh machine; cached after): they get a longer
# timeout than the suite's default, unless they set their own.
SDK_TIMEOUT = 1500


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("sdk") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SDK_TIMEOUT))


# Real Minecraft Java clients (mineflayer bots from npm): the packages are
# installed from resources/clients/package-lock.json by the first test that
# needs them (npm ci, about half a minute, once per lockfile) and cached with
# the other devkit builds; see gui/devkit/node_clients.py. A test uses the
# swarm inside its own event loop:
#
#     async with bot_swarm as swarm:
#         bot = await swarm.join("Bot1", "127.0.0.1", port)
#         await bot.wait_for("spawn")


@pytest.fixture(scope="session")
def node_clients():
    """The installed clients (their node_modules), installed on first use."""
    from gui.devkit.node_clients import ensure_clients

    return ensure_clients()


@pytest.fixture
def bot_swarm(node_clients):
    """A BotSwarm not yet started; ``async with`` it in the test's loop (killed after)."""
    from gui.devkit.node_clients import BotSwarm

    swarm = BotSwarm(node_clients)
    yield swarm
    swarm.kill()
