"""The ``market`` commands end to end: ``market serve`` in a subprocess, the CLI driving it."""

from __future__ import annotations

import re
import shutil

import pytest

from gui.market.lockfile import Lockfile
from tests.market.conftest import cli, plugin_wasm, start_serve


@pytest.fixture
def served(tmp_path):
    """A repository published and served with the CLI (keygen, publish, serve)."""
    keyfile = tmp_path / "keys" / "repo.key"
    keygen = cli(tmp_path / "publisher", "market", "keygen", str(keyfile))
    assert keygen.returncode == 0, keygen.stderr
    key_hex = keygen.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key_hex)
    repo = tmp_path / "repo"

    def publish(name: str, version: str, permissions=(), *extra: str):
        done = cli(tmp_path / "publisher", "market", "publish",
                   str(plugin_wasm(name, version, tuple(permissions))), "--repo", str(repo),
                   "--key", str(keyfile), *extra)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    plugin_id = publish("hello", "1.0.0", (), "--category", "chat", "--description", "Hi!")
    assert plugin_id.startswith("hello-")
    server = start_serve(tmp_path / "publisher", repo)
    try:
        yield server.url, key_hex, publish
    finally:
        server.stop()


def test_market_commands_against_market_serve(tmp_path, served):
    url, key_hex, publish = served
    base = tmp_path / "admin"

    refused = cli(base, "market", "add-source", url)
    assert refused.returncode == 1
    assert "announces the key ed25519:" in refused.stdout
    assert "--key HEX or --yes" in refused.stderr
    added = cli(base, "market", "add-source", url, "--key", key_hex)
    assert added.returncode == 0, added.stderr
    assert "Added source 'repo'" in added.stdout

    sources = cli(base, "market", "sources")
    assert "samples (built in)" in sources.stdout and "repo  " + url in sources.stdout

    search = cli(base, "market", "search", "hel")
    assert search.returncode == 0, search.stderr
    assert re.search(r"hello-\w+\s+hello\s+1\.0\.0\s+\[repo, signer ed25519:", search.stdout)
    info = cli(base, "market", "info", "hello")
    assert "Description  Hi!" in info.stdout and "Category     chat" in info.stdout

    install = cli(base, "market", "install", "hello")
    assert install.returncode == 0, install.stderr
    assert "hello 1.0.0 installed" in install.stdout
    assert "verify ..." in install.stderr  # the steps are shown
    assert (base / "data" / "plugins" / "hello.wasm").exists()

    publish("hello", "1.1.0")
    update = cli(base, "market", "update", "--all")
    assert update.returncode == 0, update.stderr
    assert "hello 1.1.0 updated" in update.stdout
    installed = cli(base, "market", "installed")
    assert re.search(r"hello\s+1\.1\.0\s+from repo \(verified, ed25519:.*previous 1\.0\.0",
                     installed.stdout)

    rollback = cli(base, "market", "rollback", "hello")
    assert "hello rolled back from 1.1.0 to 1.0.0" in rollback.stdout
    lock = Lockfile.load(base / "data" / "plugins" / ".ppm.lock")
    assert lock.get("hello").version == "1.0.0"

    data = base / "data" / "plugin-data" / "hello"
    data.mkdir(parents=True)
    gone = cli(base, "market", "uninstall", "hello", "--keep-data")
    assert gone.returncode == 0 and data.exists()
    assert not (base / "data" / "plugins" / "hello.wasm").exists()
    again = cli(base, "market", "uninstall", "hello")
    assert again.returncode == 1 and "no plugin called 'hello'" in again.stderr


def test_install_without_a_terminal_leaves_the_plugin_undecided(tmp_path, served):
    url, key_hex, publish = served
    publish("stats", "1.0.0", ("fs.read.data", "fs.write.data"))
    base = tmp_path / "admin"
    assert cli(base, "market", "add-source", url, "--key", key_hex).returncode == 0
    install = cli(base, "market", "install", "stats")
    assert install.returncode == 0, install.stderr
    assert "undecided" in install.stdout
    assert "does not run until its permissions are reviewed" in install.stdout
    grants = base / "config" / "grants.json"
    assert not grants.exists() or "stats" not in grants.read_text()


def test_cli_errors_name_the_problem(tmp_path, served):
    url, _, _ = served
    base = tmp_path / "admin"
    missing = cli(base, "market", "install", "nothing-like-it")
    assert missing.returncode == 1
    assert "resolve failed for nothing-like-it: no source lists it" in missing.stderr
    wrong_key = cli(base, "market", "add-source", url, "--key", "ab" * 32)
    assert wrong_key.returncode == 1 and "not the expected" in wrong_key.stderr
    unsigned = cli(base, "market", "install", str(plugin_wasm("loose", "1.0.0")))
    assert unsigned.returncode == 1
    assert "verify failed for loose: the file is unsigned" in unsigned.stderr
    assert not (base / "data" / "plugins" / "loose.wasm").exists()
    allowed = cli(base, "market", "install", str(plugin_wasm("loose", "1.0.0")),
                  "--allow-unsigned")
    assert allowed.returncode == 0 and "loose 1.0.0 installed" in allowed.stdout
    shutil.rmtree(base)
