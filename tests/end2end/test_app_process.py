"""End to end: the real window process, driven by its structured log and playtest commands."""

from __future__ import annotations

import signal

import pytest

from gui.devkit.wat_build import build_fixture
from gui.market.embedded import EMBEDDED_SAMPLES
from gui.paths import AppPaths
from tests import harness
from tests.end2end.appprocess import AppProcess


@pytest.fixture
def app_process(tmp_path):
    started: list[AppProcess] = []

    def start(*args: str, basedir=None, env=None) -> AppProcess:
        proc = AppProcess(basedir or tmp_path / "profile", *args, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()


def install(basedir, *fixtures: str) -> None:
    plugins = AppPaths.under(basedir).plugins_dir
    plugins.mkdir(parents=True, exist_ok=True)
    for name in fixtures:
        (plugins / f"{name}.wasm").write_bytes(build_fixture(name).read_bytes())


def test_trap_from_a_playtest_command_is_reported_and_contained(app_process, tmp_path):
    basedir = tmp_path / "profile"
    install(basedir, "echo", "trap-in-event")
    app = app_process(basedir=basedir)
    app.wait_for(r"^window shown$", "app")
    app.wait_for(r"^ready$", "app", timeout=120)
    app.wait_for(r"^badge trap-in-event: running$", "app")

    app.send("playtest join Alice")
    app.wait_for(r"^Alice <- system: Alice joined the game$", "playtest")
    app.send("playtest run Alice ping")
    app.wait_for(r"^Alice <- feedback: pong$", "playtest")

    mark = app.mark()
    app.send("playtest chat Alice boom")
    trap = app.wait_for(r"trapped in handle-event \(unreachable\)", "trap-in-event", after=mark)
    shown = app.wait_for(r"^notification: trap-in-event trapped \(unreachable\)", "app",
                         after=mark)
    assert shown.time - trap.time < 1.0
    app.wait_for(r"^badge trap-in-event: trapped$", "app", after=mark)
    # The chat still reached Alice, the server kept running, echo keeps answering.
    app.wait_for(r"^Alice <- chat: <Alice> boom$", "playtest", after=mark)
    mark = app.mark()
    app.send("playtest run Alice ping")
    app.wait_for(r"^Alice <- feedback: pong$", "playtest", after=mark)
    app.wait_for(r"^badge trap-in-event: running$", "app", after=mark, timeout=15)

    mark = app.mark()
    assert app.terminate() == 0
    app.wait_for(r"^shutting down$", "app", after=mark)
    app.wait_for(r"^Alice lost connection: Server closed$", "server", after=mark)
    app.wait_for(r"^Server stopped$", "server", after=mark)
    app.wait_for(r"^stopped$", "app", after=mark)


@pytest.mark.sdk
def test_fresh_profile_runs_the_server_and_lists_the_bundled_marketplace(app_process,
                                                                         tmp_path):
    # A fresh profile that shares the test cache: the sample builds and compiled
    # plugins of earlier test runs. On a cold machine the app builds the samples
    # here (minutes; the sdk mark gives the test time for that).
    basedir = tmp_path / "fresh"
    cache = AppPaths.under(basedir).cache_dir
    cache.mkdir(parents=True)
    warm = harness.test_cache_dir()
    for shared in ("profile-cache/compiled", "sdk"):
        (warm / shared).mkdir(parents=True, exist_ok=True)
    (cache / "compiled").symlink_to(warm / "profile-cache" / "compiled",
                                    target_is_directory=True)
    (cache / "sdk-samples").symlink_to(warm / "sdk", target_is_directory=True)
    app = app_process(basedir=basedir, env={"PUMPKIN_PATCH_BUILD_SAMPLES": "1"})
    app.wait_for(r"^window shown$", "app")
    app.wait_for(r"^server running$", "app", timeout=60)
    app.wait_for(r"^ready$", "app", timeout=120)
    app.wait_for(rf"^market: {len(EMBEDDED_SAMPLES)} plugins listed$", "app", timeout=1200)
    assert app.terminate() == 0
    app.wait_for(r"^stopped$", "app")


def test_sigint_and_window_state_survive_a_restart(app_process, tmp_path):
    basedir = tmp_path / "profile"
    first = app_process(basedir=basedir)
    first.wait_for(r"^ready$", "app", timeout=120)
    first.proc.send_signal(signal.SIGINT)
    assert first.proc.wait(60) == 0
    first.wait_for(r"^stopped$", "app")
    assert (AppPaths.under(basedir).config_dir / "window.ini").exists()
    second = app_process(basedir=basedir)
    second.wait_for(r"^page server$", "app")
    second.wait_for(r"^ready$", "app", timeout=120)  # raises when it is not ready in time
    assert second.terminate() == 0
