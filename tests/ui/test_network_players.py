"""The window with a real Minecraft client connected: the Players list and its Kick button.

A mineflayer bot joins the app's server; the Players list shows it with its
address and ping, next to a playtest player marked virtual; Kick disconnects
the bot, which is told the reason. The bots run in their own thread and event
loop (the window's loop is Qt's), as any client outside the app would.
Set ``PUMPKIN_PATCH_SCREENSHOTS=DIR`` to keep a picture of the page.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from gui.devkit.node_clients import BotSwarm
from gui.server.config import ServerConfig
from tests.server.test_rcon import free_port


class BotThread(threading.Thread):
    """One bot in its own thread: joins, waits to be kicked, reports what it saw."""

    def __init__(self, clients: Path, port: int, name: str) -> None:
        super().__init__(daemon=True)
        self.clients, self.port, self.name_ = clients, port, name
        self.spawned = threading.Event()
        self.kicked: dict | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()  # set once it saw its kick (or failed)

    def run(self) -> None:
        try:
            asyncio.run(self._scenario())
        except BaseException as exc:  # reported to the test
            self.error = exc
            self.spawned.set()
            self.done.set()

    async def _scenario(self) -> None:
        async with BotSwarm(self.clients) as swarm:
            bot = await swarm.join(self.name_, port=self.port)
            await bot.wait_for("spawn", timeout=60)
            self.spawned.set()
            self.kicked = await bot.wait_for("kicked", timeout=120)
            self.done.set()  # before the swarm closes: the test waits for the kick only


def test_players_list_shows_a_network_player_and_kicks_it(make_app, qtbot, paths,
                                                         node_clients):
    port = free_port()
    paths.server_dir.mkdir(parents=True, exist_ok=True)
    ServerConfig(server_port=port, view_distance=2).save(paths.server_dir / "server.properties")
    app = make_app()
    page = app.window.server_page
    view = page.players
    app.window.resize(1280, 800)
    app.window.show()
    bot = BotThread(node_clients, port, "NetBot")
    bot.start()
    qtbot.waitUntil(bot.spawned.is_set, timeout=90_000)
    assert bot.error is None, bot.error
    qtbot.waitUntil(lambda: "NetBot" in view.names(), timeout=10_000)
    label = view.list.item(view.names().index("NetBot")).text()
    assert "127.0.0.1:" in label and " ms" in label, label
    assert "Java Edition 26.1 clients join on" in page.header.detail.text()
    shots = os.environ.get("PUMPKIN_PATCH_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        app.window.grab().save(str(Path(shots) / "players-network.png"))

    view.list.item(view.names().index("NetBot")).setSelected(True)
    assert view.kick.isEnabled()
    view.kick.click()
    qtbot.waitUntil(bot.done.is_set, timeout=30_000)
    assert bot.error is None, bot.error
    assert bot.kicked is not None and "Kicked by an operator" in bot.kicked["reason"]
    qtbot.waitUntil(lambda: "NetBot" not in view.names(), timeout=10_000)
