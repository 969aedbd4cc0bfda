"""Pumpkin Patch's own world (wit/host.wit): storage, notify and status, via the notebook.

The notebook is built with ``pumpkin-patch sdk build`` (componentize-py
against ``pumpkin-patch:host/plugin@0.1.0``) and driven by a playtest player.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from gui.cli import main as cli_main
from gui.devkit.wasm_tools import run_wasm_tools
from gui.plugins import PluginMessage, PluginState, PluginStatusChanged
from tests.harness import Session
from tests.permissions.perm_support import write_config

pytestmark = pytest.mark.sdk

# A storage write is an atomic, fsync'd file write inside the plugin's call: on a
# loaded test machine it can outlast the default 200 ms call deadline.
ALLOW_BOTH = ('[plugins]\nallowed_permissions = ["storage.kv", "admin.notify"]\n'
              "call_deadline_ms = 2000\n")


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """The sample built by the CLI, as a plugin developer would."""
    out = tmp_path_factory.mktemp("built") / "notebook.wasm"
    from gui.devkit.sdk_build import SAMPLES_DIR
    assert cli_main(["sdk", "build", str(SAMPLES_DIR / "notebook"), "-o", str(out)]) == 0
    return out


async def _reply(session: Session, command: str) -> str:
    start = len(session.lines)
    await session.run(f"playtest run Alice {command}")
    line = await session.wait_for(r"^Alice <- feedback: ", "playtest", start=start)
    return line.split("feedback: ", 1)[1]


def test_the_built_sample_imports_our_interfaces(notebook):
    wit = run_wasm_tools("component", "wit", str(notebook))
    for interface in ("storage", "notify", "status"):
        assert f"import pumpkin-patch:host/{interface}@0.1.0;" in wit


def test_storage_survives_a_restart_and_its_quota_is_an_error_value(paths, notebook):
    write_config(paths, ALLOW_BOTH + "storage_quota_kib = 1\n")

    async def first_run() -> None:
        session = Session(paths)
        session.install(notebook)
        async with session:
            assert session.plugins.get("notebook").state is PluginState.RUNNING
            await session.run("playtest join Alice")
            assert await _reply(session, "note buy more pumpkins") == "Saved note #1"
            assert await _reply(session, "note fix the fence") == "Saved note #2"
            # 1 KiB quota: about five notes of 200 bytes fill it.
            replies = [await _reply(session, "note " + "x" * 200) for _ in range(6)]
            assert replies[-1] == "Could not save the note: storage is full (quota 1024 bytes)"
            assert session.plugins.get("notebook").state is PluginState.RUNNING

    async def second_run() -> None:
        session = Session(paths)
        async with session:
            await session.run("playtest join Alice")
            start = len(session.lines)
            await session.run("playtest run Alice notes")
            await session.wait_for(r"^Alice <- feedback: #1 Alice: buy more pumpkins$",
                                   "playtest", start=start)
            await session.wait_for(r"^Alice <- feedback: #2 Alice: fix the fence$",
                                   "playtest", start=start)

    asyncio.run(first_run())
    stored = json.loads(paths.plugin_store_file("notebook").read_text())
    assert "note/000001" in stored and "count" in stored
    asyncio.run(second_run())


def test_without_the_permissions_the_calls_return_permission_errors(paths, notebook):
    write_config(paths, '[plugins]\nask_permission_confirmation = false\n'
                        'blocked_permissions = ["storage.kv", "admin.notify"]\n')

    async def scenario() -> None:
        session = Session(paths)
        session.install(notebook)
        async with session:
            plugin = session.plugins.get("notebook")
            assert plugin.state is PluginState.RUNNING, plugin.error
            await session.run("playtest join Alice")
            assert await _reply(session, "note hello") == (
                "Could not save the note: storage is not allowed for this plugin "
                "(it needs storage.kv)")
            assert await _reply(session, "alert hello") == (
                "Alerts are not allowed for this plugin (it needs admin.notify)")
            await session.wait_for(r"lacks the storage\.kv permission", "notebook")
            assert not [n for n in session.notices if isinstance(n, PluginMessage)]
            assert not paths.plugin_store_file("notebook").exists()

    asyncio.run(scenario())


def test_notices_are_published_and_rate_limited_and_status_is_shown(paths, notebook):
    write_config(paths, ALLOW_BOTH)

    async def scenario() -> None:
        session = Session(paths)
        session.install(notebook)
        async with session:
            await session.run("playtest join Alice")
            replies = [await _reply(session, f"alert the cows are out {i}") for i in range(7)]
            assert replies[:5] == ["The admin has been told"] * 5
            assert replies[5].startswith("Too many alerts; try again in ")
            messages = [n for n in session.notices if isinstance(n, PluginMessage)]
            assert [m.body for m in messages] == [f"the cows are out {i}" for i in range(5)]
            assert messages[0] == PluginMessage("notebook", "warning", "Alert from Alice",
                                                "the cows are out 0")
            await session.wait_for(r"rate-limited", "notebook")

            await _reply(session, "note one")

            def shown() -> bool:
                status = session.plugins.get("notebook").status
                return status is not None and status.line == "1 note, 1 online"
            await session.wait_until(shown)
            status = session.plugins.get("notebook").status
            gauges = dict(status.gauges)
            assert gauges["notes"][-1] == 1.0 and gauges["players"][-1] == 1.0
            assert any(isinstance(n, PluginStatusChanged) for n in session.notices)

    asyncio.run(scenario())
