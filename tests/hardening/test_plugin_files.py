"""Findings 1 and 2: what lies in the plugins dir cannot hang the server or fill its memory.

A FIFO, a symlink to /dev/zero and a 1 GB sparse file sit in the plugins dir
beside a real plugin. The real headless process starts within 10 s, loads the
real plugin, names each bad file in a console line, keeps its peak memory
under 300 MB, and stops on 'stop'; ``plugin list`` beside them finishes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gui.devkit.wat_build import build_fixture
from gui.plugins.files import PluginFileError, read_plugin_file
from tests.end2end.test_headless import HeadlessProcess

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(),
                                reason="needs FIFOs and /dev/zero (POSIX)")

GB = 1 << 30


def _bad_plugins_dir(basedir: Path) -> Path:
    plugins = basedir / "data" / "plugins"
    plugins.mkdir(parents=True)
    shutil.copyfile(build_fixture("echo"), plugins / "echo.wasm")
    os.mkfifo(plugins / "fifo.wasm")
    (plugins / "zero.wasm").symlink_to("/dev/zero")
    with (plugins / "sparse.wasm").open("wb") as handle:
        handle.truncate(GB)  # 1 GB of holes: no disk used, all of it readable
    return plugins


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", ["stop", "SIGTERM"])
def test_server_starts_beside_a_fifo_a_dev_zero_link_and_a_sparse_gigabyte(tmp_path, how):
    basedir = tmp_path / "profile"
    _bad_plugins_dir(basedir)
    app = HeadlessProcess(basedir)
    try:
        began = time.monotonic()
        app.wait_for("server", "Server started", timeout=10)
        app.wait_for("plugins", "Loaded echo", timeout=30)
        started = time.monotonic() - began
        fifo = app.wait_for("fifo", "fifo.wasm", timeout=10)
        zero = app.wait_for("zero", "zero.wasm", timeout=10)
        sparse = app.wait_for("sparse", "sparse.wasm", timeout=10)
        peak = _peak_rss_mb(app.proc.pid)
        if how == "stop":
            app.send("stop")
        else:
            app.proc.send_signal(signal.SIGTERM)
        app.wait_for("server", "Server stopped", timeout=30)
        assert app.proc.wait(timeout=30) == 0
    finally:
        app.close()
    assert "FIFO" in fifo["message"] and "not a regular file" in fifo["message"]
    assert "character device" in zero["message"]
    assert "over the plugin file cap" in sparse["message"]
    assert peak < 300, f"peak memory {peak:.0f} MB"
    print(f"started in {started:.2f} s, peak RSS {peak:.0f} MB")


def test_plugin_list_beside_a_fifo_finishes(tmp_path):
    basedir = tmp_path / "profile"
    _bad_plugins_dir(basedir)
    proc = subprocess.run(
        [sys.executable, "-m", "gui", "--basedir", str(basedir), "plugin", "list"],
        capture_output=True, text=True, timeout=120, check=False)
    assert "echo" in proc.stdout
    for name in ("fifo.wasm", "zero.wasm", "sparse.wasm"):
        assert name in proc.stdout + proc.stderr


def test_the_reader_checks_before_it_reads(tmp_path):
    fifo = tmp_path / "fifo.wasm"
    os.mkfifo(fifo)
    with pytest.raises(PluginFileError, match="FIFO"):
        read_plugin_file(fifo)  # would block forever if it opened the FIFO for reading
    link = tmp_path / "link.wasm"
    link.symlink_to(build_fixture("echo"))
    assert read_plugin_file(link).startswith(b"\0asm")  # a link to a regular file is fine
    big = tmp_path / "big.wasm"
    big.write_bytes(b"\0asm" + b"\0" * 100)
    with pytest.raises(PluginFileError, match="over the plugin file cap"):
        read_plugin_file(big, max_bytes=64)
    assert len(read_plugin_file(big, max_bytes=104)) == 104
