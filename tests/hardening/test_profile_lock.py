"""Finding 3: one server per profile.

A second server on the same basedir refuses, naming the first; the first's
latest.log and ops.json are left alone; a lock left by a dead process is
taken over with a warning; CLI changes to server-owned files refuse while a
server runs and say how to make them there, and work once it has stopped.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from gui.core import ServerCore
from gui.paths import AppPaths
from gui.profile_lock import LockHolder, ProfileLocked, holder, lock_path
from tests.end2end.test_headless import HeadlessProcess
from tests.harness import Session


def _cli(basedir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gui", "--basedir", str(basedir), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_second_server_on_the_same_profile_refuses_and_names_the_first(tmp_path):
    basedir = tmp_path / "profile"
    first = HeadlessProcess(basedir)
    try:
        first.wait_for("server", "Server started", timeout=30)
        second = subprocess.run(
            [sys.executable, "-m", "gui", "--headless", "--basedir", str(basedir)],
            input="stop\n", capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 1
        assert f"pid {first.proc.pid}" in second.stderr and "a headless server" in second.stderr
        assert "--basedir" in second.stderr  # says how to run a second one
        logs = sorted(p.name for p in (basedir / "data" / "server" / "logs").iterdir())
        assert logs == ["latest.log"]  # the first one's log was not rotated away

        # A CLI change to ops.json is refused while the server runs, saying how instead.
        refused = _cli(basedir, "server", "op", "Dave")
        assert refused.returncode == 1
        assert "a server is running on this profile" in refused.stderr
        assert "type 'op Dave' in its console" in refused.stderr
        first.send("op Dave")
        first.wait_for("server", "Made Dave a server operator")
        first.send("stop")
        first.wait_for("server", "Server stopped")
        assert first.proc.wait(timeout=30) == 0
    finally:
        first.close()
    ops = json.loads((basedir / "data" / "server" / "ops.json").read_text(encoding="utf-8"))
    assert [op["name"] for op in ops] == ["Dave"]
    # Stopped: the CLI may change it now.
    done = _cli(basedir, "server", "deop", "Dave")
    assert done.returncode == 0, done.stderr
    assert json.loads((basedir / "data" / "server" / "ops.json").read_text()) == []


def test_two_cores_in_one_process_and_a_stale_lock(tmp_path, paths):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    lock = lock_path(paths.ensure())
    lock.write_text(json.dumps({"pid": dead_pid, "started": "2026-01-01T00:00:00+00:00",
                                "what": "the window", "host": ""}), encoding="utf-8")

    async def scenario() -> Session:
        session = Session(paths)
        async with session:
            held = holder(paths)
            assert held is not None and held.pid != dead_pid
            other = ServerCore(paths)
            with pytest.raises(ProfileLocked, match=r"in use by a headless server \(pid"):
                await other.start()
            await other.stop()
            assert session.server.state == "running"  # the first one is untouched
        assert holder(paths) is None  # released on stop
        return session

    session = asyncio.run(scenario())
    assert session.seen(rf"took over the profile lock .* left by the window \(pid {dead_pid}, "
                        r"since 2026-01-01T00:00:00\+00:00\), which is gone")


def test_the_lock_file_says_who_holds_it(tmp_path):
    paths = AppPaths.under(tmp_path / "p")
    assert holder(paths) is None
    text = json.dumps({"pid": 12, "started": "now", "what": "the window"})
    assert LockHolder.read(text) == LockHolder(12, "now", "the window", "")
    assert LockHolder.read("garbage") is None
