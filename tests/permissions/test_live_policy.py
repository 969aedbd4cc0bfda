"""A changed config.toml reaches a running server: the policy applies at once.

The real core runs the ``data-file`` WAT fixture (it requests fs.read.data and
fs.write.data). config.toml is rewritten behind the server's back, as the
Settings page, ``pumpkin-patch plugin hosts`` or an editor would; the server
notices, applies the new policy and reloads exactly the plugins it moves.
"""

from __future__ import annotations

import asyncio

from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginState
from tests.harness import Session
from tests.permissions.perm_support import write_config

FS = ["fs.read.data", "fs.write.data"]
NAME = "data-file"


def test_a_policy_change_loads_a_held_plugin_and_reloads_only_the_ones_it_moves(paths):
    wasm = build_fixture(NAME, permissions=FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm, build_fixture("echo"))
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.NEEDS_REVIEW
            echo = session.plugins.get("echo").instance

            start = len(session.lines)
            write_config(paths, "[plugins]\nask_permission_confirmation = false\n")
            await session.wait_for(rf"Applied the changed config\.toml; reloaded {NAME}$",
                                   "settings", start=start)
            assert plugin.state is PluginState.RUNNING, plugin.error
            assert plugin.scope.granted == set(FS)

            start = len(session.lines)
            write_config(paths, "[plugins]\nask_permission_confirmation = false\n"
                                'blocked_permissions = ["fs.write.data"]\n')
            await session.wait_for(rf"Applied the changed config\.toml; reloaded {NAME}$",
                                   "settings", start=start)
            assert plugin.state is PluginState.RUNNING
            assert plugin.scope.granted == {"fs.read.data"}

            # A change that moves no plugin reloads none (echo requests nothing).
            start = len(session.lines)
            write_config(paths, "[plugins]\nask_permission_confirmation = false\n"
                                'blocked_permissions = ["fs.write.data"]\nmax_memory_mb = 128\n')
            await session.wait_for(r"Applied the changed config\.toml$", "settings", start=start)
            assert session.plugins.get("echo").instance is echo
            assert session.core.plugins.limits.memory_bytes == 128 << 20

    asyncio.run(scenario())


def test_a_damaged_config_fails_closed_and_says_so(paths):
    wasm = build_fixture(NAME, permissions=FS)
    write_config(paths, "[plugins]\nallowed_permissions = [\"fs.read.data\"]\n"
                        "ask_permission_confirmation = false\nmax_memory_mb = 128\n")

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING and plugin.scope.granted == set(FS)
            start = len(session.lines)
            write_config(paths, "[plugins\nthis is not toml")
            await session.wait_for(r"cannot be read|not valid TOML", "settings", start=start)
            # Written while it is damaged: still no change to apply.
            write_config(paths, "[plugins\nthis is not toml either")
            await session.wait_for(r"cannot be read|not valid TOML", "settings",
                                   start=len(session.lines))
            # The last good copy is used (not the defaults): the plugin keeps running as it was.
            assert plugin.state is PluginState.RUNNING and plugin.scope.granted == set(FS)
            assert session.core.plugins.limits.memory_bytes == 128 << 20

    asyncio.run(scenario())
