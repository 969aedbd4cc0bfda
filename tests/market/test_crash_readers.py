"""Finding 8: between a kill during a commit and the next start, readers see one state.

An update is SIGKILLed after its first file move (the plugin file is new, the
lockfile still old). Readers that are not a start (``plugin list``, the
marketplace's installed list of a process that is already running) consult
the journal: what they read agrees, file and lockfile, with no restart.
"""

from __future__ import annotations

import asyncio
import shutil

from gui.market import Marketplace
from gui.market.lockfile import Lockfile
from gui.paths import AppPaths
from gui.runtime import PluginRuntime
from tests.market.test_crash import digest, kill_at, prepared  # noqa: F401 (a fixture)

STEP = "commit.first-op"  # the plugin file moved; the lockfile not yet written


def _consistent(base) -> tuple[str, bool]:
    """The lockfile's version of hello, and whether the file on disk is what it names."""
    plugins = base / "data" / "plugins"
    entry = Lockfile.load(plugins / ".ppm.lock").get("hello")
    return entry.version, entry.sha256 == digest(plugins / "hello.wasm")


def test_plugin_list_after_a_kill_mid_commit_sees_one_state(prepared, tmp_path):  # noqa: F811
    source, _old = prepared
    base = tmp_path / "profile"
    shutil.copytree(source, base)
    kill_at(base, STEP)
    plugins = base / "data" / "plugins"
    entry = Lockfile.load(plugins / ".ppm.lock").get("hello")
    assert entry.sha256 != digest(plugins / "hello.wasm")  # the torn state the kill left

    from tests.market.conftest import cli

    listed = cli(base, "plugin", "list")
    assert listed.returncode == 0, listed.stderr
    assert "hello" in listed.stdout and "1.1.0" in listed.stdout
    assert not (base / "data" / "market" / "journal.json").exists()
    assert _consistent(base) == ("1.1.0", True)


def test_a_running_marketplace_reads_one_state_after_a_kill(prepared, tmp_path):  # noqa: F811
    source, _old = prepared
    base = tmp_path / "profile"
    shutil.copytree(source, base)
    paths = AppPaths.under(base)

    async def installed_now() -> list:
        runtime = PluginRuntime(paths.compile_cache_dir)
        runtime.start()
        market = Marketplace(paths, runtime)
        try:
            kill_at(base, STEP)  # another process dies mid-commit while this one runs
            return await asyncio.to_thread(market.installed)
        finally:
            await market.close()
            await asyncio.to_thread(runtime.shutdown)

    (entry,) = asyncio.run(installed_now())
    assert entry.version == "1.1.0"
    assert entry.sha256 == digest(base / "data" / "plugins" / "hello.wasm")
