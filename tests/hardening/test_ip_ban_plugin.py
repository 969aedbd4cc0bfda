"""player.ban-ip from a real plugin built with Pumpkin's SDK (pumpkin-api-py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gui.devkit.sdk_build import build_sdk_plugin
from gui.plugins import PluginState
from gui.server.players import PlaytestConnection
from tests.hardening.test_ip_bans import AddressedConnection
from tests.harness import Session
from tests.sdk_plugins import sdk_cache_dir

pytestmark = pytest.mark.sdk

SOURCE = Path(__file__).parent / "plugins" / "ipguard"


def test_a_plugin_bans_the_ip_of_a_player(paths):
    wasm = build_sdk_plugin(SOURCE, "ipguard", sdk_cache_dir())

    async def scenario() -> Session:
        session = Session(paths)
        session.install(wasm)
        async with session:
            assert session.plugins.get("ipguard").state is PluginState.RUNNING
            server = session.server
            eve = AddressedConnection("198.51.100.30:5000")
            player = await server.join("Eve", eve)
            await server.chat(player, "!ip")
            await session.wait_until(lambda: any("your ip" in t for _, t in eve.received))
            assert ("system", "your ip: '198.51.100.30'") in eve.received
            await server.chat(player, "!banme")
            await session.wait_until(lambda: eve.kicked is not None)
            assert eve.kicked == "Your IP address is banned from this server. " \
                                 "Reason: asked for it"
            (entry,) = server.ip_bans.entries()
            assert (entry.ip, entry.source) == ("198.51.100.30", "ipguard")
            again = AddressedConnection("198.51.100.30:5001")
            assert await server.join("Evelyn", again) is None
            zoe = await server.join("Zoe", PlaytestConnection(server.console, "Zoe"))
            await server.chat(zoe, "!banme")  # no address: nothing banned, said in its log
            await session.wait_for("nothing was banned", source="ipguard")
            assert len(server.ip_bans.entries()) == 1
        return session

    asyncio.run(scenario())
