"""The real ``pumpkin-patch --headless`` process, driven like a script would drive it.

Commands go in on stdin; ``--json-log`` console lines come out on stdout;
``stop`` ends the process with plugins unloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gui.devkit.wat_build import build_fixture


class HeadlessProcess:
    def __init__(self, basedir: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gui", "--headless", "--json-log", "--basedir", str(basedir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env,
        )
        self.lines: list[dict] = []

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=30)  # drains and closes every pipe

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def wait_for(self, source: str, text: str, timeout: float = 60.0) -> dict:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if line["source"] == source and text in line["message"]:
                return line
        while time.monotonic() < deadline:
            raw = self.proc.stdout.readline()
            if not raw:
                break
            entry = json.loads(raw)  # every stdout line is one JSON object
            self.lines.append(entry)
            if entry["source"] == source and text in entry["message"]:
                return entry
        seen = "\n".join(f"[{e['source']}] {e['message']}" for e in self.lines[-20:])
        raise AssertionError(f"no [{source}] line containing {text!r}; last lines:\n{seen}")


def test_headless_session_runs_plugins_and_stops_cleanly(tmp_path):
    basedir = tmp_path / "profile"
    plugins = basedir / "data" / "plugins"
    plugins.mkdir(parents=True)
    shutil.copyfile(build_fixture("echo"), plugins / "echo.wasm")
    shutil.copyfile(build_fixture("chat-cancel"), plugins / "chat-cancel.wasm")
    app = HeadlessProcess(basedir)
    try:
        app.wait_for("server", "Server started")
        app.wait_for("plugins", "Loaded echo")
        app.send("playtest join Zoe")
        app.wait_for("playtest", "Zoe <- system: Zoe joined the game")
        app.send("playtest run Zoe ping")
        app.wait_for("playtest", "Zoe <- feedback: pong")
        # chat-cancel cancels every chat message: nothing is delivered.
        app.send("playtest chat Zoe is anyone there")
        app.send("plugins")
        app.wait_for("server", "Plugins (2)")
        assert not any("<Zoe> is anyone there" in e["message"] for e in app.lines)
        app.send("stop")
        app.wait_for("echo", "echo unloaded")  # on-unload ran before the server stopped
        app.wait_for("server", "Server stopped")
        assert app.proc.wait(timeout=30) == 0
    finally:
        app.close()
