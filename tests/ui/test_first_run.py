"""First run: the welcome, the server started on the admin's word, Help > About, --version."""

from __future__ import annotations

import subprocess
import sys

import PySide6
import pytest
from PySide6.QtCore import qVersion

from gui.appinfo import APP_ID, versions
from gui.devkit.wat_build import build_fixture
from gui.firstrun import FirstRun
from gui.ui.main_window import SERVER
from gui.ui.welcome import WelcomeDialog

START_MS = 180_000


@pytest.fixture
def first_app(qtbot, qloop, paths):
    """The real Application on a new profile, as run_app starts it on a first run."""
    from gui.app import Application
    from gui.core import ServerCore
    from tests.harness import FAST_POLICY

    apps = []

    def make(*wasm):
        paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        for path in wasm:
            (paths.plugins_dir / "echo.wasm").write_bytes(path.read_bytes())
        core = ServerCore(paths)
        core.plugins.policy = FAST_POLICY
        first = FirstRun(paths)
        app = Application(paths, core=core, read_stdin=False,
                          first_run=first if first.welcome_due() else None)
        with qtbot.waitSignal(app.ready, timeout=START_MS) as started:
            app.start()
        assert started.args == [True], core.console.messages()[-20:]
        apps.append(app)
        return app

    yield make
    for app in apps:
        if not app._finished.is_set():
            with qtbot.waitSignal(app.finished, timeout=60_000):
                app.request_quit()


def _welcome(app) -> WelcomeDialog:
    assert app.welcome is not None
    return app.welcome.dialog


def test_first_run_welcomes_and_starts_the_server_when_asked(first_app, qtbot, paths):
    app = first_app(build_fixture("echo"))
    dialog = _welcome(app)
    assert dialog.isVisible() and not dialog.isModal()
    # Nothing runs before the admin says so; the marketplace is up meanwhile.
    assert app.control.state == "stopped"
    assert "echo" not in app.core.plugins.plugins  # not loaded yet
    labels = " ".join(w.text() for w in dialog.findChildren(type(dialog.trust)))
    for thing in ("Run a server", "Install plugins safely", "Watch them"):
        assert thing in labels
    for place in (paths.config_dir, paths.server_dir, paths.plugins_dir):
        assert str(place) in dialog.places.text()
    fingerprint = app.core.market.store.get("samples").fingerprint
    qtbot.waitUntil(lambda: fingerprint in dialog.trust.text(), timeout=10_000)
    assert "trusted" in dialog.trust.text()

    dialog.start_button.click()
    qtbot.waitUntil(lambda: app.control.state == "running", timeout=60_000)
    qtbot.waitUntil(lambda: app.window.plugins_page.model.badge_of("echo") == "running",
                    timeout=60_000)
    assert not app.welcome.showing  # closed (and deleted)
    assert app.window.current_page() == SERVER
    qtbot.waitUntil(lambda: not FirstRun(paths).welcome_due(), timeout=10_000)

    with qtbot.waitSignal(app.finished, timeout=60_000):
        app.request_quit()
    again = first_app()  # a later run: no welcome, and the server starts by itself
    assert again.welcome is None
    assert again.control.state == "running"


def test_not_now_leaves_the_server_for_the_start_button(first_app, qtbot, paths):
    app = first_app()
    dialog = _welcome(app)
    dialog.later_button.click()
    assert not app.welcome.showing
    qtbot.waitUntil(lambda: not FirstRun(paths).welcome_due(), timeout=10_000)
    assert app.control.state == "stopped"
    header = app.window.server_page.header
    assert header.start.isEnabled()
    header.start.click()
    qtbot.waitUntil(lambda: app.control.state == "running", timeout=60_000)


def test_a_profile_that_ran_a_server_before_gets_no_welcome(paths):
    assert FirstRun(paths).welcome_due()
    paths.server_dir.mkdir(parents=True)
    (paths.server_dir / "server.properties").write_text("motd=old\n")
    assert not FirstRun(paths).welcome_due()


def test_a_damaged_welcome_file_shows_the_welcome_again(paths):
    paths.ensure()
    FirstRun(paths).path.write_text("{not json")
    assert FirstRun(paths).welcome_due()
    FirstRun(paths).mark_seen()
    assert not FirstRun(paths).welcome_due()


def test_help_about_lists_app_qt_wasmtime_and_world_versions(make_app, qtbot, arun):
    app = make_app()
    menu = next(a.menu() for a in app.window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in menu.actions() if "About" in a.text())
    assert about.isEnabled()
    dialog = arun(app.window.open_about())
    assert dialog.isVisible()
    rows = dict(dialog.rows)
    found = versions()
    assert rows["Pumpkin Patch"] == found.app
    assert rows["Qt"] == f"{qVersion()} (PySide6 {PySide6.__version__})"
    assert rows["wasmtime"] == found.wasmtime and found.wasmtime.count(".") == 2
    assert "pumpkin:plugin@0.1.0" in rows["Pumpkin plugin world"]
    assert rows["Application id"] == APP_ID
    for value in rows.values():
        assert value in dialog.text.text()
    dialog.close()


def test_version_flag_prints_every_version():
    done = subprocess.run([sys.executable, "-m", "gui", "--version"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = versions()
    lines = done.stdout.splitlines()
    assert lines[0] == f"pumpkin-patch {found.app}"
    assert f"wasmtime {found.wasmtime}" in lines
    assert "plugin world pumpkin:plugin@0.1.0" in lines
