"""Start-up diagnostics: no display or no platform plugin -> a message that says what to do.

The end-to-end case is the one a new user meets: the window started with
QT_QPA_PLATFORM=xcb and no DISPLAY. Qt alone would print "Reinstalling the
application may fix this problem" and abort (core dump); the app must name
what is missing, suggest --headless, and exit non-zero.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gui.display_check import Diagnosis, diagnose, missing_libraries

REPO = Path(__file__).resolve().parents[1]


def _no_display_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", PUMPKIN_PATCH_BUILD_SAMPLES="0")
    return env


def _assert_clean_failure(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr)  # < 0 would be a signal
    assert "core dumped" not in done.stderr and "Aborted" not in done.stderr
    assert "--headless" in done.stderr


def test_the_app_without_a_display_says_what_is_missing_and_suggests_headless(tmp_path):
    done = subprocess.run([sys.executable, "-m", "gui", "--basedir", str(tmp_path)],
                          env=_no_display_env(), cwd=REPO, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    _assert_clean_failure(done)
    assert "DISPLAY is not set" in done.stderr
    assert 'Qt platform plugin "xcb"' in done.stderr
    assert "Reinstalling the application" not in done.stderr  # Qt's own line never shows
    assert not (tmp_path / "data" / "server").exists()  # nothing started


def test_qts_own_failure_is_caught_too_exit_1_no_abort():
    """The last guard in gui/app.py, for causes the pre-check does not know."""
    code = "from gui.app import create_qapplication\ncreate_qapplication()\n"
    done = subprocess.run([sys.executable, "-c", code], env=_no_display_env(), cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    _assert_clean_failure(done)
    assert "QT_DEBUG_PLUGINS=1" in done.stderr


def test_offscreen_needs_nothing():
    assert diagnose({"QT_QPA_PLATFORM": "offscreen"}).ok


def test_an_unknown_platform_lists_the_ones_qt_has():
    found = diagnose({"QT_QPA_PLATFORM": "nosuch"})
    assert not found.ok
    assert 'names "nosuch"' in found.problems[0] and "offscreen" in found.problems[0]


def test_a_display_with_no_x_server_behind_it():
    found = diagnose({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":987"})
    assert any("DISPLAY=:987 names no running X server" in p for p in found.problems)


def test_missing_libraries_get_debian_and_fedora_packages():
    found = Diagnosis("xcb", ["Qt's xcb plugin needs ..."],
                      ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libodd.so.3"])
    text = found.message()
    assert "Debian/Ubuntu: sudo apt install libodd.so.3 libxcb-icccm4 libxcb-keysyms1" in text
    assert "Fedora:        sudo dnf install libodd.so.3 xcb-util-keysyms xcb-util-wm" in text
    assert "apt-file search" in text and "libodd.so.3" in text
    assert "pumpkin-patch --headless" in text


def test_qt_falls_back_through_the_listed_platforms():
    assert diagnose({"QT_QPA_PLATFORM": "nosuch;offscreen"}).ok
    found = diagnose({"QT_QPA_PLATFORM": "nosuch;alsonot"})
    assert found.platform == "nosuch" and not found.ok


def test_missing_libraries_are_read_from_the_loader(tmp_path):
    """A real shared object whose dependency was removed, as a missing xcb library looks."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build the test library")
    (tmp_path / "gone.c").write_text("int gone(void) { return 1; }\n")
    (tmp_path / "plugin.c").write_text("int gone(void);\nint plugin(void) { return gone(); }\n")
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(tmp_path / "libppgone.so.1"),
                    "-Wl,-soname,libppgone.so.1", str(tmp_path / "gone.c")], check=True)
    (tmp_path / "libppgone.so").symlink_to("libppgone.so.1")
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(tmp_path / "libqfake.so"),
                    str(tmp_path / "plugin.c"), f"-L{tmp_path}", "-lppgone"], check=True)
    (tmp_path / "libppgone.so.1").unlink()
    assert missing_libraries(tmp_path / "libqfake.so") == ["libppgone.so.1"]
