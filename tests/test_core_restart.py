"""Stopping and starting the server alone (the window's Stop / Start / Restart).

The runtime and marketplace stay up across it; plugins unload and load
again; what the admin disabled and what was quarantined stay down; and grant
changes made by another process (the CLI) still apply after the restart.
"""

from __future__ import annotations

import asyncio

from gui.cli import main
from gui.control import ServerControl
from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginState
from tests.harness import Session
from tests.permissions.perm_support import approve

FS = ["fs.read.data", "fs.write.data"]


async def echo_answers(session: Session) -> None:
    start = len(session.lines)
    await session.run("playtest run Bob ping")
    await session.wait_for(r"^Bob <- feedback: pong$", "playtest", start=start)


def test_stop_and_start_keep_what_the_admin_turned_off(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("echo"), build_fixture("task-and-log"),
                        build_fixture("trap-on-load"))
        async with session:
            control = ServerControl(session.core)
            manager = session.plugins
            quarantined = manager.get("trap-on-load")
            await session.wait_until(lambda: quarantined.state is PluginState.QUARANTINED,
                                     what="quarantine")
            await manager.disable("task-and-log")
            states: list[str] = []
            control.on_change(states.append)

            assert await control.restart()
            assert states == ["restarting", "running"]
            assert session.server.state == "running"
            assert manager.get("echo").state is PluginState.RUNNING
            assert manager.get("task-and-log").state is PluginState.DISABLED
            assert quarantined.state is PluginState.QUARANTINED
            assert len(quarantined.trap_times) == 3  # no new attempt was made
            await session.run("playtest join Bob")
            await echo_answers(session)

            await control.stop()
            assert (control.state, manager.get("echo").state) == ("stopped",
                                                                 PluginState.DISABLED)
            assert await control.start()
            await session.run("playtest join Bob")
            await echo_answers(session)

            # A 'stop' typed on the console (or sent over RCON) remembers what is down too.
            await manager.enable("task-and-log")
            await manager.disable("echo")
            await session.run("stop")
            await session.server.stopped.wait()
            assert await control.start()
            assert manager.get("echo").state is PluginState.DISABLED
            assert manager.get("task-and-log").state is PluginState.RUNNING
            assert quarantined.state is PluginState.QUARANTINED

    asyncio.run(scenario())


def test_cli_grant_changes_apply_after_a_server_restart(paths):
    wasm = build_fixture("data-file", permissions=FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        approve(paths, "data-file", wasm, FS, FS)
        async with session:
            plugin = session.plugins.get("data-file")
            assert plugin.scope.granted == frozenset(FS)
            control = ServerControl(session.core)
            assert await control.restart()
            assert plugin.state is PluginState.RUNNING
            basedir = str(paths.config_dir.parent)
            code = await asyncio.to_thread(
                main, ["--basedir", basedir, "plugin", "revoke", "data-file", "fs.write.data"])
            assert code == 0
            await session.wait_until(
                lambda: plugin.state is PluginState.RUNNING
                and plugin.scope.granted == frozenset({"fs.read.data"}),
                what="the revoke applied live")

    asyncio.run(scenario())
