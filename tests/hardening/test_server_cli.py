"""``pumpkin-patch server ...``: the files a server owns, changed only while none runs."""

from __future__ import annotations

import json
import subprocess
import sys

from gui.paths import AppPaths
from gui.profile_lock import ProfileLock, lock_path
from gui.server.config import ServerConfig


def _cli(basedir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gui", "--basedir", str(basedir), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_server_commands_change_a_stopped_servers_files(tmp_path):
    basedir = tmp_path / "profile"
    server_dir = AppPaths.under(basedir).server_dir
    assert _cli(basedir, "server", "set", "motd", r"C:\games = fun").returncode == 0
    assert ServerConfig.load(server_dir / "server.properties").motd == r"C:\games = fun"
    bad = _cli(basedir, "server", "set", "max-players", "lots")
    assert bad.returncode == 1 and "max-players='lots' is not valid" in bad.stderr
    assert ServerConfig.load(server_dir / "server.properties").max_players == 20
    assert _cli(basedir, "server", "ban-ip", "192.0.2.1", "spam").returncode == 0
    assert _cli(basedir, "server", "whitelist", "add", "Bob").returncode == 0
    assert json.loads((server_dir / "banned-ips.json").read_text())[0]["reason"] == "spam"
    assert json.loads((server_dir / "whitelist.json").read_text())[0]["name"] == "Bob"
    again = _cli(basedir, "server", "ban-ip", "192.0.2.1")
    assert again.returncode == 1 and "already banned" in again.stdout


def test_server_commands_refuse_beside_a_running_server(tmp_path):
    basedir = tmp_path / "profile"
    paths = AppPaths.under(basedir)
    lock = ProfileLock(lock_path(paths.ensure()))
    lock.acquire("the window")
    try:
        for args, advice in ((("whitelist", "add", "Bob"), "type 'whitelist add Bob'"),
                             (("set", "motd", "hi"), "Settings page")):
            done = _cli(basedir, "server", *args)
            assert done.returncode == 1
            assert "a server is running on this profile (the window (pid" in done.stderr
            assert advice in done.stderr
        assert not (paths.server_dir / "whitelist.json").exists()
        assert not (paths.server_dir / "server.properties").exists()
    finally:
        lock.release()
