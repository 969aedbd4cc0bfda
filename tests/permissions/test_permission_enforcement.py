"""Grants enforced by the runtime, with real plugins in a real server core.

The ``data-file`` WAT fixture reads and writes files through WASI and says
what happened ("read ok: ...", "read failed: <code>", "write ok", "write
failed: <code>"); the SDK samples (stats, motd_env) are unmodified
pumpkin-api-py plugins. Every test drives the same ServerCore the app runs.
"""

from __future__ import annotations

import asyncio

import pytest

from gui.devkit.wat_build import build_fixture
from gui.permissions import DecisionState
from gui.plugins import PluginState, PluginStateChanged, PluginUpdateHeld, UpdateOutcome
from tests.harness import Session
from tests.permissions.perm_support import (
    approve,
    reply,
    sha256_of,
    store_for,
    write_config,
)
from tests.sdk_plugins import sdk_plugin

FS = ["fs.read.data", "fs.write.data"]
NAME = "data-file"


def data_dir(paths, name=NAME):
    folder = paths.plugin_data_root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_plugin_reading_outside_its_data_dir_fails_and_host_file_is_untouched(paths, tmp_path):
    secret = paths.plugin_data_root / "secret.txt"  # right beside its data dir
    elsewhere = tmp_path / "host-file.txt"

    async def scenario() -> None:
        for path, write_path, host in (("data/../secret.txt", "data/../secret.txt", secret),
                                       (str(elsewhere), str(elsewhere), elsewhere)):
            host.parent.mkdir(parents=True, exist_ok=True)
            host.write_text("host secret")
            wasm = build_fixture(NAME, permissions=FS, path=path, write_path=write_path)
            approve(paths, NAME, wasm, FS, FS)
            for old in paths.plugins_dir.glob("*.wasm"):
                old.unlink()
            session = Session(paths)
            session.install(wasm)
            async with session:
                plugin = session.plugins.get(NAME)
                assert plugin.state is PluginState.RUNNING, plugin.error
                assert plugin.scope.granted == frozenset(FS)
                await session.run("playtest join Bob")
                read = await reply(session, "readfile")
                written = await reply(session, "writefile")
            assert read.startswith("read failed: "), read
            assert written.startswith("write failed: "), written
            assert host.read_text() == "host secret"

    asyncio.run(scenario())


def test_read_data_without_write_data_cannot_write(paths):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, ["fs.read.data"])
    (data_dir(paths) / "hello.txt").write_text("hello")

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING, plugin.error
            assert plugin.scope.granted == {"fs.read.data"}
            await session.run("playtest join Bob")
            assert await reply(session, "readfile") == "read ok: hello"
            written = await reply(session, "writefile")
            assert written.startswith("write failed: "), written
            # The admin is told what it runs without.
            assert session.seen(r"runs without: fs\.write\.data \(not granted", source=NAME)
        assert not (data_dir(paths) / "out.txt").exists()

    asyncio.run(scenario())


def test_plugin_granted_nothing_runs_and_gets_a_clear_error(paths):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, [])
    (data_dir(paths) / "hello.txt").write_text("hello")

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING, plugin.error
            assert plugin.scope.granted == frozenset()
            await session.run("playtest join Bob")
            assert await reply(session, "readfile") == "read failed: no-preopen"
            assert await reply(session, "writefile") == "write failed: no-preopen"
            assert session.seen(r"runs without: fs\.read\.data \(not granted by the admin\); "
                                r"fs\.write\.data", source=NAME)

    asyncio.run(scenario())


def test_revoking_write_data_takes_effect_on_reload(paths):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            await session.run("playtest join Bob")
            assert await reply(session, "writefile") == "write ok"
            (data_dir(paths) / "out.txt").unlink()
            changes = len(session.notices)
            decision = await session.core.permissions.revoke(NAME, "fs.write.data")
            assert decision.granted == {"fs.read.data"}
            # on-unload, then load: running -> disabled -> loading -> running.
            moves = [(n.old, n.new) for n in session.notices[changes:]
                     if isinstance(n, PluginStateChanged)]
            assert moves == [(PluginState.RUNNING, PluginState.DISABLED),
                             (PluginState.DISABLED, PluginState.LOADING),
                             (PluginState.LOADING, PluginState.RUNNING)]
            assert plugin.scope.granted == {"fs.read.data"}
            written = await reply(session, "writefile")
            assert written.startswith("write failed: "), written
            assert store_for(paths).decision(NAME).granted == {"fs.read.data"}
        assert not (data_dir(paths) / "out.txt").exists()

    asyncio.run(scenario())


def test_declined_plugin_never_runs_on_load(paths):
    wasm = build_fixture("echo", permissions=["fs.read.data"])
    store_for(paths).decline("echo", sha256_of(wasm), ["fs.read.data"])

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get("echo")
            assert plugin.state is PluginState.DECLINED
            assert plugin.instance is None
            assert "declined by the admin" in (plugin.error or "")
            assert not session.seen(r"echo loaded")  # on-load logs this
            await session.plugins.reload("echo")  # a reload does not sneak it in
            assert plugin.state is PluginState.DECLINED
            assert not session.seen(r"echo loaded")

    asyncio.run(scenario())


def test_blocked_permissions_win_over_a_tick(paths):
    write_config(paths, '[plugins]\nblocked_permissions = ["fs.write.data"]\n')
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, FS)  # the admin ticked both

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.scope.granted == {"fs.read.data"}
            await session.run("playtest join Bob")
            written = await reply(session, "writefile")
            assert written.startswith("write failed: "), written
            assert session.seen(r"fs\.write\.data \(blocked by your policy", source=NAME)

    asyncio.run(scenario())


def test_allowed_permissions_and_no_confirmation_follow_the_policy(paths):
    write_config(paths, '[plugins]\nask_permission_confirmation = false\n'
                        'blocked_permissions = ["fs.write.data"]\n')
    wasm = build_fixture(NAME, permissions=[*FS, "network.outbound", "made.up"])

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING, plugin.error
            # requested minus blocked, minus what this host never grants
            assert plugin.scope.granted == {"fs.read.data"}
        decision = store_for(paths).decision(NAME)
        assert decision.state is DecisionState.APPROVED
        assert decision.sha256 == sha256_of(wasm)

    asyncio.run(scenario())


def test_undecided_plugin_is_held_for_review_and_says_how_to_decide(paths):
    wasm = build_fixture(NAME, permissions=FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm, build_fixture("echo"))
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.NEEDS_REVIEW
            assert plugin.instance is None
            assert session.seen(rf"{NAME} is not running: needs review: it requests "
                                r"fs\.read\.data, fs\.write\.data; .*plugin approve", "plugins")
            # A plugin that requests nothing needs no decision.
            assert session.plugins.get("echo").state is PluginState.RUNNING
            await session.core.permissions.approve(NAME, {"fs.read.data"})
            assert plugin.state is PluginState.RUNNING
            assert plugin.scope.granted == {"fs.read.data"}

    asyncio.run(scenario())


@pytest.mark.parametrize("damage", ["{not json", '{"version": 1, "plugins": []}', "missing"])
def test_corrupt_or_missing_grants_file_means_undecided_and_the_admin_is_told(paths, damage):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, FS)
    grants = store_for(paths).path
    if damage == "missing":
        grants.unlink()
    else:
        grants.write_text(damage)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm, build_fixture("echo"))
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.NEEDS_REVIEW  # never approved
            assert session.server.state == "running"
            assert session.plugins.get("echo").state is PluginState.RUNNING
            if damage != "missing":
                assert session.seen(rf"{grants} cannot be read .* treated as undecided",
                                    "permissions")
                assert grants.read_text() == damage  # kept, not overwritten
                # Deciding again keeps the damaged file aside and starts a new one.
                await session.core.permissions.approve(NAME, FS)
                assert plugin.state is PluginState.RUNNING
                kept = list(grants.parent.glob("grants.json.damaged-*"))
                assert [k.read_text() for k in kept] == [damage]
                assert session.seen(r"was damaged; it was kept as grants\.json\.damaged-",
                                    "permissions")
            else:
                assert session.seen(rf"{NAME} is not running: needs review", "plugins")

    asyncio.run(scenario())


def test_update_asking_for_more_is_held_while_the_old_version_keeps_serving(paths, tmp_path):
    v1 = build_fixture(NAME, permissions=["fs.read.data"])
    v2 = build_fixture(NAME, version="0.2.0", permissions=FS)
    approve(paths, NAME, v1, ["fs.read.data"], ["fs.read.data"])
    (data_dir(paths) / "hello.txt").write_text("hello")

    async def scenario() -> None:
        session = Session(paths)
        session.install(v1)
        async with session:
            plugin = session.plugins.get(NAME)
            await session.run("playtest join Bob")
            result = await session.plugins.stage_update(NAME, v2)
            assert result.outcome is UpdateOutcome.HELD
            assert result.pending is not None
            assert result.pending.added == ("fs.write.data",)
            assert plugin.pending_update == result.pending
            assert [n for n in session.notices if isinstance(n, PluginUpdateHeld)] == [
                PluginUpdateHeld(NAME, "0.2.0", ("fs.write.data",), ())]
            # The old version keeps serving, with its old grants.
            assert plugin.state is PluginState.RUNNING
            assert plugin.metadata.version == "0.1.0"
            assert plugin.sha256 == sha256_of(v1)
            assert await reply(session, "readfile") == "read ok: hello"
            assert sha256_of(plugin.path) == sha256_of(v1)
            # The review shows what the update adds.
            review = session.core.permissions.review(NAME)
            assert review.version == "0.2.0"
            assert review.added == ("fs.write.data",)
            assert [(r.permission, r.change) for r in review.rows] == [
                ("fs.read.data", "unchanged"), ("fs.write.data", "added")]
            # Approving applies it: the new version runs with what was granted.
            await session.core.permissions.approve(NAME, FS)
            assert plugin.state is PluginState.RUNNING
            assert plugin.metadata.version == "0.2.0"
            assert plugin.pending_update is None
            assert plugin.scope.granted == frozenset(FS)
            assert await reply(session, "writefile") == "write ok"
            assert not session.paths.staged_update(NAME).exists()
            assert store_for(paths).decision(NAME).sha256 == sha256_of(v2)

    asyncio.run(scenario())


def test_update_dropping_a_permission_is_applied_and_inherits_the_rest(paths):
    v1 = build_fixture(NAME, permissions=FS)
    v2 = build_fixture(NAME, version="0.2.0", permissions=["fs.read.data"])
    approve(paths, NAME, v1, FS, FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(v1)
        async with session:
            plugin = session.plugins.get(NAME)
            result = await session.plugins.stage_update(NAME, v2)
            assert result.outcome is UpdateOutcome.APPLIED
            assert plugin.state is PluginState.RUNNING
            assert plugin.metadata.version == "0.2.0"
            assert plugin.scope.granted == {"fs.read.data"}
            decision = store_for(paths).decision(NAME)
            assert decision.sha256 == sha256_of(v2)
            assert decision.granted == {"fs.read.data"}
            # Declining a later held update keeps the running version.
            v3 = build_fixture(NAME, version="0.3.0", permissions=[*FS, "sys.info.cpu"])
            held = await session.plugins.stage_update(NAME, v3)
            assert held.held
            await session.core.permissions.decline(NAME)
            assert plugin.pending_update is None
            assert plugin.state is PluginState.RUNNING
            assert plugin.metadata.version == "0.2.0"

    asyncio.run(scenario())


def test_new_wasm_on_disk_asking_for_more_waits_for_review_at_startup(paths):
    v1 = build_fixture(NAME, permissions=["fs.read.data"])
    v2 = build_fixture(NAME, version="0.2.0", permissions=FS)
    approve(paths, NAME, v1, ["fs.read.data"], ["fs.read.data"])

    async def scenario() -> None:
        session = Session(paths)
        session.install(v2)  # replaced while the server was stopped
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.NEEDS_REVIEW
            assert "added: fs.write.data" in (plugin.error or "")

    asyncio.run(scenario())


def test_update_staged_before_a_restart_is_still_waiting_after_it(paths):
    v1 = build_fixture(NAME, permissions=["fs.read.data"])
    v2 = build_fixture(NAME, version="0.2.0", permissions=FS)
    approve(paths, NAME, v1, ["fs.read.data"], ["fs.read.data"])

    async def scenario() -> None:
        session = Session(paths)
        session.install(v1)
        async with session:
            assert (await session.plugins.stage_update(NAME, v2)).held
        again = Session(paths)
        async with again:
            plugin = again.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING
            assert plugin.metadata.version == "0.1.0"
            assert plugin.pending_update is not None
            assert plugin.pending_update.added == ("fs.write.data",)

    asyncio.run(scenario())


@pytest.mark.sdk
def test_sdk_env_plugin_sees_only_what_is_granted_and_configured(paths, monkeypatch):
    monkeypatch.setenv("SERVER_MOTD", "from the app's own environment")
    wasm = sdk_plugin("motd_env")
    perm = "sys.env.SERVER_MOTD"
    approve(paths, "motd_env", wasm, [perm], [])
    write_config(paths, '[plugins.overrides.motd_env]\n'
                        'environment = { SERVER_MOTD = "Welcome, configured!" }\n')

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get("motd_env")
            assert plugin.state is PluginState.RUNNING, plugin.error
            await session.run("playtest join Bob")
            # Without a grant it sees no host variable at all.
            assert await reply(session, "motd") == "No MOTD configured (grant " \
                                                   "sys.env.SERVER_MOTD)"
            await session.core.permissions.grant("motd_env", perm)
            # With it: the admin's configured value, never the app's own.
            assert await reply(session, "motd") == "Welcome, configured!"

    asyncio.run(scenario())


@pytest.mark.sdk
def test_sdk_plugin_without_env_config_never_sees_the_apps_environment(paths, monkeypatch):
    monkeypatch.setenv("SERVER_MOTD", "from the app's own environment")
    wasm = sdk_plugin("motd_env")
    perm = "sys.env.SERVER_MOTD"
    approve(paths, "motd_env", wasm, [perm], [perm])

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            await session.run("playtest join Bob")
            assert await reply(session, "motd") == "No MOTD configured (grant " \
                                                   "sys.env.SERVER_MOTD)"

    asyncio.run(scenario())


@pytest.mark.sdk
def test_sdk_stats_with_read_only_data_cannot_write(paths):
    wasm = sdk_plugin("stats")
    approve(paths, "stats", wasm, FS, ["fs.read.data"])

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get("stats")
            assert plugin.state is PluginState.RUNNING, plugin.error
            await session.run("playtest join Alice")
            await session.wait_for(r"stats: cannot write .*counting in memory only", "stats")
            assert await reply(session, "stats", "Alice") == "Alice has joined 1 time"
            await session.core.permissions.grant("stats", "fs.write.data")
            await session.run("playtest leave Alice")
            await session.run("playtest join Alice")
            await session.wait_until(
                lambda: (paths.plugin_data_root / "stats" / "join_counts.json").exists(),
                what="join_counts.json written once fs.write.data is granted")
        assert not list((paths.plugin_data_root / "stats").glob("*.tmp"))

    asyncio.run(scenario())
