"""Finding 5: damaged files fail closed.

A truncated config.toml keeps the last good policy (nothing previously blocked
runs) or, with no good copy, grants nothing new; one bad entry in
banned-players.json is skipped (the banned player stays out); a ban list that
cannot be read at all refuses logins, except operators', until it is fixed.
"""

from __future__ import annotations

import asyncio
import json

from gui.devkit.wat_build import build_fixture
from gui.permissions import PermissionPolicy
from gui.plugins import PluginState
from gui.server.config import ServerConfig
from gui.server.local_server import LocalServer
from gui.server.ops import BANS_FILE
from gui.server.players import PlaytestConnection, offline_uuid
from gui.settings import AppSettings, last_good_path
from tests.harness import Session
from tests.permissions.perm_support import approve, reply, write_config

FS = ["fs.read.data", "fs.write.data"]
NAME = "data-file"
CONFIG = '[plugins]\nblocked_permissions = ["fs.write.data"]\nmax_memory_mb = 128\n'


def test_a_truncated_config_keeps_the_last_good_block(paths):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, FS)  # approved before; the policy blocks writing
    write_config(paths, CONFIG)

    async def run_once() -> tuple[str, Session]:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING, plugin.error
            await session.run("playtest join Bob")
            written = await reply(session, "writefile")
            assert "fs.write.data" not in plugin.scope.granted
        return written, session

    first, _ = asyncio.run(run_once())
    assert first.startswith("write failed"), first
    assert last_good_path(paths.config_file).read_text(encoding="utf-8") == CONFIG
    paths.config_file.write_text(CONFIG[:30], encoding="utf-8")  # cut inside the list
    second, session = asyncio.run(run_once())
    assert second.startswith("write failed"), second
    assert not (paths.plugin_data_root / NAME / "out.txt").exists()
    assert session.seen(r"is not valid TOML .*using its last good copy config\.toml\.last-good",
                        source="settings")
    assert paths.config_file.read_text(encoding="utf-8") == CONFIG[:30]  # left for the admin


def test_with_no_good_copy_nothing_new_is_granted(paths):
    write_config(paths, '[plugins]\nallowed_permissions = ["fs.read.data", "fs.wr')
    wasm = build_fixture(NAME, permissions=FS)

    async def scenario() -> Session:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.NEEDS_REVIEW, (plugin.state, plugin.error)
            assert plugin.scope.granted == frozenset()
        return session

    session = asyncio.run(scenario())
    assert session.seen("no last good copy .*every permission not already granted is blocked",
                        source="settings")
    settings = AppSettings.load(paths.config_file, warn=lambda _m: None)
    policy = PermissionPolicy.from_settings(settings)
    assert settings.fail_closed and policy.lockdown
    assert not policy.is_allowed(NAME, "fs.read.data")
    assert policy.effective(NAME, FS, ["fs.read.data"]) == {"fs.read.data"}  # kept
    assert "cannot be read" in policy.refusal(NAME, "fs.write.data")


def test_a_wrong_blocked_list_is_not_read_as_empty(paths):
    write_config(paths, CONFIG)
    assert AppSettings.load(paths.config_file).plugins.blocked_permissions == ("fs.write.data",)
    write_config(paths, '[plugins]\nblocked_permissions = "fs.write.data"\n')
    problems: list[str] = []
    settings = AppSettings.load(paths.config_file, warn=problems.append)
    assert settings.plugins.blocked_permissions == ("fs.write.data",)  # the last good one
    assert "blocked_permissions list is not a list" in problems[0]


def _ban_entry(name: str) -> dict:
    return {"uuid": str(offline_uuid(name)), "name": name, "created": "", "source": "Server",
            "expires": "forever", "reason": "griefing"}


def test_one_bad_ban_entry_is_skipped_and_the_banned_player_stays_out(tmp_path):
    bans = [{"uuid": "not-a-uuid", "name": "Oops"}, _ban_entry("Mallory")]
    (tmp_path / BANS_FILE).write_text(json.dumps(bans), encoding="utf-8")

    async def scenario() -> LocalServer:
        server = LocalServer(tmp_path)
        await server.start()
        try:
            mallory = PlaytestConnection(server.console, "Mallory")
            assert await server.join("Mallory", mallory) is None
            assert mallory.received[-1][1].plain().startswith("You are banned")
            assert await server.join("Bob", PlaytestConnection(server.console, "Bob"))
            await server.execute_console("ban Carl")  # a save keeps the bad entry as it was
        finally:
            await server.stop()
        return server

    server = asyncio.run(scenario())
    assert any("skipped 1 bad entry (entry 0: 'uuid' is not a UUID" in m
               for m in server.console.messages("server"))
    saved = json.loads((tmp_path / BANS_FILE).read_text(encoding="utf-8"))
    assert [e["name"] for e in saved] == ["Mallory", "Carl", "Oops"]


def test_an_unreadable_ban_list_refuses_logins_but_ops_until_fixed(tmp_path):
    broken = '[{"uuid": "' + str(offline_uuid("Mallory")) + '", "name": "Mall'
    (tmp_path / BANS_FILE).write_text(broken, encoding="utf-8")

    async def scenario() -> LocalServer:
        server = LocalServer(tmp_path, config=ServerConfig(server_port=0))
        await server.start()
        try:
            server.ops.add(offline_uuid("Alice"), "Alice")
            bob = PlaytestConnection(server.console, "Bob")
            assert await server.join("Bob", bob) is None
            assert "cannot read its list of bans" in bob.received[-1][1].plain()
            assert await server.join("Alice", PlaytestConnection(server.console, "Alice"))
            start = len(server.console.history)
            await server.execute_console("ban Carl")
            said = [ln.message for ln in list(server.console.history)[start:]]
            assert any("cannot be read" in m and "nothing was changed" in m for m in said), said
            assert (tmp_path / BANS_FILE).read_text(encoding="utf-8") == broken  # untouched
            (tmp_path / BANS_FILE).write_text(json.dumps([_ban_entry("Mallory")]),
                                              encoding="utf-8")
            assert await server.join("Bob", PlaytestConnection(server.console, "Bob"))
            assert await server.join("Mallory",
                                     PlaytestConnection(server.console, "Mallory")) is None
        finally:
            await server.stop()
        return server

    server = asyncio.run(scenario())
    warnings = [m for m in server.console.messages("server") if "cannot be read" in m]
    assert len([m for m in warnings if "logins are refused" in m]) == 1  # said once
