"""The marketplace inside the running app (ServerCore): samples source, live installs."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from gui.market.repository import Repository
from gui.market.server import RepositoryServer
from gui.market.signing import generate_key, public_key_hex
from gui.plugins import PluginState, PluginUpdateAvailable
from gui.plugins.inspect import inspect_file
from tests.harness import Session
from tests.market.conftest import decline, grant_all, plugin_wasm
from tests.sdk_plugins import sdk_cache_dir


async def publish(runtime, repo: Repository, key, name, version, permissions=()):
    wasm = plugin_wasm(name, version, tuple(permissions))
    found = await inspect_file(runtime, wasm)
    repo.publish(wasm.read_bytes(), name=name, version=version, key=key,
                 permissions=list(permissions), world_version=found.world_version)


def test_core_serves_the_samples_source_and_installs_into_the_running_server(paths, tmp_path):
    async def main():
        async with Session(paths) as session:
            market = session.core.market
            (samples,) = market.sources()
            assert (samples.name, samples.builtin, samples.state) == ("samples", True,
                                                                      "not built")
            assert samples.url.startswith("http://127.0.0.1:")
            assert samples.fingerprint.startswith("ed25519:")
            results = await market.search()
            assert list(results) == [] and results.problems == {}

            async with home_source(session, tmp_path) as (repo, key, result):
                assert result.state == "running"
                assert session.plugins.get("hello").lifecycle.state is PluginState.RUNNING
                await session.wait_for(r"Loaded hello 1\.0\.0")

                await publish(session.core.runtime, repo, key, "hello", "1.1.0")
                updated = await market.update("hello", grant_all)
                assert (updated.outcome, updated.state) == ("updated", "running")
                await session.wait_for(r"Loaded hello 1\.1\.0")
                assert session.plugins.get("hello").metadata.version == "1.1.0"

                back = await market.rollback("hello")
                assert back.state == "running"
                await session.wait_until(
                    lambda: session.plugins.get("hello").metadata.version == "1.0.0")

                await market.uninstall("hello")
                assert "hello" not in session.plugins.plugins
                assert not (paths.plugins_dir / "hello.wasm").exists()

    asyncio.run(main())


def test_held_update_keeps_the_old_version_running(paths, tmp_path):
    async def main():
        async with Session(paths) as session:
            market = session.core.market
            key = generate_key()
            repo = Repository(tmp_path / "repo")
            await publish(session.core.runtime, repo, key, "hello", "1.0.0")
            server = RepositoryServer(repo.root)
            try:
                await market.add_source(await server.start(), public_key_hex(key), name="home")
                (listing,) = await market.search("hello")
                await market.install(listing, grant_all)
                await publish(session.core.runtime, repo, key, "hello", "2.0.0",
                              ("fs.write.data",))

                from tests.market.conftest import defer

                held = await market.update("hello", defer)
                assert held.outcome == "held"
                plugin = session.plugins.get("hello")
                assert plugin.lifecycle.state is PluginState.RUNNING
                assert plugin.metadata.version == "1.0.0"
                assert plugin.pending_update is not None
                assert market.installed()[0].held.version == "2.0.0"

                # The admin approves it in the permission review: the market notices.
                await session.core.permissions.approve("hello", {"fs.write.data"})
                await session.wait_until(
                    lambda: session.plugins.get("hello").metadata.version == "2.0.0")
                (entry,) = market.installed()
                assert (entry.version, entry.held) == ("2.0.0", None)
            finally:
                await server.stop()

    asyncio.run(main())


@pytest.mark.sdk
def test_embedded_samples_repository_builds_serves_and_installs(paths):
    """The real sample plugins, built with pumpkin-api-py, signed by the app's own key."""

    async def main():
        session = Session(paths)
        session.core.build_samples = True
        session.core.market.embedded.cache_dir = sdk_cache_dir()
        async with session:
            market = session.core.market
            assert market.sources()[0].state in ("building samples...", "ready")
            assert await market.wait_samples(timeout=900) == "ready", \
                market.sources()[0].state
            results = await market.search(source="samples")
            assert sorted(r.name for r in results) == [
                "announcer", "chat_filter", "dice", "greeter", "hello_js", "motd_env",
                "notebook", "stats", "warp"]
            by_name = {r.name: r for r in results}
            assert by_name["stats"].permissions == ("fs.read.data", "fs.write.data")
            assert by_name["notebook"].permissions == ("storage.kv", "admin.notify")
            assert by_name["motd_env"].permissions == ("sys.env.SERVER_MOTD",)
            assert {r.signer for r in results} == {market.sources()[0].fingerprint}

            result = await market.install(by_name["stats"], grant_all)
            assert (result.signature, result.state) == ("verified", "running")
            assert result.granted == {"fs.read.data", "fs.write.data"}
            await session.wait_until(
                lambda: session.plugins.get("stats").lifecycle.state is PluginState.RUNNING)

    asyncio.run(main())


def test_the_core_finds_updates_and_announces_each_version_once(paths, tmp_path):
    async def main():
        session = Session(paths)
        session.core.update_check_interval = 0.1
        async with session:
            market = session.core.market
            async with home_source(session, tmp_path) as (repo, key, _installed):
                await asyncio.sleep(0.3)  # checks ran: nothing newer yet
                assert market.available_updates == {}

                await publish(session.core.runtime, repo, key, "hello", "1.1.0")
                await session.wait_until(lambda: updates_announced(session), what="notice")
                await asyncio.sleep(0.3)  # more checks: the same version is not announced again
                (notice,) = updates_announced(session)
                assert (notice.plugin, notice.installed, notice.latest, notice.source) == (
                    "hello", "1.0.0", "1.1.0", "home")
                assert market.available_updates["hello"].latest == "1.1.0"
                assert session.seen(r"Update available: hello 1\.0\.0 -> 1\.1\.0 from home",
                                    source="market")

                await market.update("hello", grant_all)
                assert "hello" not in market.available_updates
                await asyncio.sleep(0.3)
                assert len(updates_announced(session)) == 1

                # An update the admin declines (it asks for more) stays on offer.
                await publish(session.core.runtime, repo, key, "hello", "1.2.0",
                              ["fs.read.data"])
                await session.wait_until(lambda: len(updates_announced(session)) == 2)
                declined = await market.update("hello", decline)
                assert declined.outcome != "updated"
                assert session.plugins.get("hello").metadata.version == "1.1.0"
                assert market.available_updates["hello"].latest == "1.2.0"

    asyncio.run(main())


@contextlib.asynccontextmanager
async def home_source(session, tmp_path):
    """A signed repository 'home' with hello 1.0.0, served, trusted and installed from.

    Yields (repository, its key, the install result); the server stops afterwards.
    """
    market = session.core.market
    key = generate_key()
    repo = Repository(tmp_path / "repo")
    await publish(session.core.runtime, repo, key, "hello", "1.0.0")
    server = RepositoryServer(repo.root)
    try:
        url = await server.start()
        await market.add_source(url, public_key_hex(key), name="home")
        (listing,) = await market.search("hello")
        yield repo, key, await market.install(listing, grant_all)
    finally:
        await server.stop()


def updates_announced(session):
    return [n for n in session.notices if isinstance(n, PluginUpdateAvailable)]
