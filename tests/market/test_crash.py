"""Killing the process during an install leaves the old state or the new one, never a mix.

A real ``pumpkin-patch market update`` runs in a subprocess and is stopped
for good at a named step (``PUMPKIN_PATCH_MARKET_PAUSE_AT``), then SIGKILLed
there. The next market command (any of them; the app does the same before
loading plugins) finishes or discards what was left, and the plugins dir,
the kept previous version and the lockfile must be wholly v1 or wholly v2.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys

import pytest

from gui.market.journal import PAUSE_ENV
from gui.market.lockfile import Lockfile
from tests.market.conftest import cli, plugin_wasm, start_serve

OLD_STEPS = ["download", "verify", "inspect", "review", "commit"]
NEW_STEPS = ["commit.journal", "commit.first-op", "commit.lockfile", "load"]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A profile with hello 1.0.0 installed from a served repository that now has 1.1.0."""
    root = tmp_path_factory.mktemp("crash")
    keyfile = root / "repo.key"
    key_hex = cli(root / "publisher", "market", "keygen", str(keyfile)).stdout.strip()
    repo = root / "repo"

    def publish(version):
        done = cli(root / "publisher", "market", "publish", str(plugin_wasm("hello", version)),
                   "--repo", str(repo), "--key", str(keyfile))
        assert done.returncode == 0, done.stderr

    publish("1.0.0")
    server = start_serve(root / "publisher", repo)
    base = root / "base"
    try:
        assert cli(base, "market", "add-source", server.url, "--key", key_hex).returncode == 0
        installed = cli(base, "market", "install", "hello")
        assert installed.returncode == 0, installed.stderr
        publish("1.1.0")
        old = digest(base / "data" / "plugins" / "hello.wasm")
        yield base, old
    finally:
        server.stop()


def kill_at(base, step):
    process = subprocess.Popen(
        [sys.executable, "-m", "gui", "--basedir", str(base), "market", "update", "hello"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, PAUSE_ENV: step})
    try:
        for line in process.stderr:
            if f"market: paused at {step}" in line:
                break
        else:
            raise AssertionError(f"the update never reached {step}: {process.stdout.read()}")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
        process.stderr.close()
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("step", OLD_STEPS + NEW_STEPS)
def test_kill_during_update_leaves_old_or_new(prepared, tmp_path, step):
    source, old = prepared
    base = tmp_path / "profile"
    shutil.copytree(source, base)
    plugins = base / "data" / "plugins"
    market = base / "data" / "market"

    kill_at(base, step)
    after = cli(base, "market", "installed")  # recovers first, like the app's start
    assert after.returncode == 0, after.stderr

    entry = Lockfile.load(plugins / ".ppm.lock").get("hello")
    installed = digest(plugins / "hello.wasm")
    assert installed == entry.sha256, "plugin file and lockfile disagree"
    assert sorted(p.name for p in plugins.iterdir()) == [".ppm.lock", "hello.wasm"]
    assert list((market / "downloads").glob("*")) == []
    assert not (market / "journal.json").exists()
    if step in OLD_STEPS:
        assert (entry.version, installed, entry.previous) == ("1.0.0", old, None)
        assert not (market / "previous" / "hello.wasm").exists()
    else:
        assert entry.version == "1.1.0" and installed != old
        assert entry.previous.version == "1.0.0"
        assert digest(market / "previous" / "hello.wasm") == old == entry.previous.sha256
