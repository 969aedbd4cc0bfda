"""What commands print to a terminal cannot steer it: a plugin's own name is shown escaped."""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

from gui.devkit.wat_build import build_fixture

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")

EVIL = "evil\x1b[2Jname"


def _run_on_a_terminal(*args: str) -> bytes:
    leader, follower = os.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "gui", *args], stdin=subprocess.DEVNULL,
                                stdout=follower, stderr=follower)
        os.close(follower)
        output = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command finished
                break
            if not chunk:
                break
            output += chunk
        assert proc.wait(timeout=60) == 0, output
        return output
    finally:
        os.close(leader)


def test_plugin_inspect_on_a_terminal_escapes_the_plugins_text(tmp_path):
    wasm = build_fixture("echo", plugin_name=EVIL)
    shown = _run_on_a_terminal("--basedir", str(tmp_path / "p"), "plugin", "inspect", str(wasm))
    assert b"\x1b" not in shown
    assert b"evil\\x1b[2Jname" in shown


def test_piped_json_output_stays_exact(tmp_path):
    wasm = build_fixture("echo", plugin_name=EVIL)
    done = subprocess.run([sys.executable, "-m", "gui", "--basedir", str(tmp_path / "p"),
                           "plugin", "inspect", "--json", str(wasm)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert '"name": "evil\\u001b[2Jname"' in done.stdout  # JSON escapes it itself
