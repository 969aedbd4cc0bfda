"""The PyInstaller bundle: built from the spec, then run as an admin would run it.

One build per session (~40 s warm, a few minutes cold on two cores), into a
temporary folder; it runs in .ci/run with the rest of the suite (PyInstaller
comes with the test extra). The bundled executable then loads the echo plugin
(a WAT fixture built by gui/devkit) headless, and opens the window offscreen,
each exiting cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gui.appinfo import APP_ID, COMMAND
from gui.devkit.wat_build import build_fixture
from gui.market.embedded import EMBEDDED_SAMPLES

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "packaging" / "pumpkin-patch.spec"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    pytest.importorskip("PyInstaller", reason="pip install -e '.[bundle]'")
    out = tmp_path_factory.mktemp("bundle")
    done = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "build"), str(SPEC)],
        cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    folder = out / "dist" / COMMAND
    assert (folder / COMMAND).is_file()
    return folder


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(QT_QPA_PLATFORM="offscreen", PUMPKIN_PATCH_BUILD_SAMPLES="0")
    return env


def _profile(tmp_path: Path) -> Path:
    plugins = tmp_path / "profile" / "data" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "echo.wasm").write_bytes(build_fixture("echo").read_bytes())
    return tmp_path / "profile"


def test_the_bundle_holds_wasmtime_the_codec_qt_plugins_and_resources(bundle):
    inside = bundle / "_internal"
    assert list(inside.glob("wasmtime/*/_libwasmtime.*"))
    assert list(inside.glob("gui/runtime/_valcodec*.so"))
    assert (inside / "gui" / "runtime" / "http_gate.wat").is_file()  # JavaScript plugins' HTTP
    assert (inside / "gui" / "runtime" / "wait_gate.wat").is_file()  # waits end at deadlines
    platforms = {p.name for p in inside.glob("PySide6/Qt/plugins/platforms/*.so")}
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= platforms
    assert (inside / "resources" / "wat" / "echo.wat").is_file()
    # The samples, built: the bundle has no SDK builder (gui/market/embedded.py).
    samples = {p.stem for p in (inside / "resources" / "prebuilt-samples").glob("*.wasm")}
    assert samples == set(EMBEDDED_SAMPLES)
    assert (inside / "share" / "applications" / f"{APP_ID}.desktop").is_file()
    assert (inside / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
            ).is_file()


def test_the_bundled_executable_reports_its_versions_with_the_c_codec(bundle):
    done = subprocess.run([str(bundle / COMMAND), "--version"], capture_output=True,
                          text=True, timeout=60, env=_env())
    assert done.returncode == 0, done.stderr
    assert "value codec: C extension" in done.stdout
    assert "wasmtime 50.0.1" in done.stdout
    assert "cannot be imported" not in done.stderr


def test_the_bundle_loads_a_plugin_headless_and_exits_cleanly(bundle, tmp_path):
    profile = _profile(tmp_path)
    done = subprocess.run(
        [str(bundle / COMMAND), "--headless", "--json-log", "--basedir", str(profile)],
        input="playtest join Zoe\nplaytest run Zoe ping\nstop\n", capture_output=True,
        text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stderr[-3000:]
    messages = [json.loads(line)["message"] for line in done.stdout.splitlines()]
    assert any(m.startswith("Loaded echo") for m in messages), messages
    assert "Zoe <- feedback: pong" in messages
    assert "echo unloaded" in messages and "Server stopped" in messages


def test_the_bundled_window_starts_offscreen_with_the_plugin_and_quits_on_sigterm(
        bundle, tmp_path):
    profile = _profile(tmp_path)
    proc = subprocess.Popen([str(bundle / COMMAND), "--json-log", "--basedir", str(profile)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=_env())
    seen: list[str] = []
    other: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            try:
                seen.append(json.loads(raw)["message"])
            except (ValueError, KeyError, TypeError):
                other.append(raw)
                continue
            if seen[-1] == "ready":
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(120), (seen, other)
        assert "window shown" in seen
        assert any(m.startswith("Loaded echo") for m in seen), seen
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, other[-30:]
        reader.join(10)
        assert seen[-1] == "stopped" and "echo unloaded" in seen, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        reader.join(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_bundle_explains_a_missing_display(bundle, tmp_path):
    env = {k: v for k, v in _env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    done = subprocess.run([str(bundle / COMMAND), "--basedir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stderr
    assert "DISPLAY is not set" in done.stderr and "--headless" in done.stderr
