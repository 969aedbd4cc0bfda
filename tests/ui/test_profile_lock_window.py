"""The window on a profile another server holds: it says who, and starts nothing."""

from __future__ import annotations

import os

from gui.profile_lock import ProfileLock, lock_path


def test_the_window_names_the_server_that_holds_the_profile(make_app, paths, qtbot, tmp_path):
    other = ProfileLock(lock_path(paths.ensure()))
    other.acquire("a headless server")  # as another process would (a separate open file)
    try:
        app = make_app(expect_ready=False)
        error = app.control.error or ""
        assert "in use by a headless server" in error and f"pid {os.getpid()}" in error
        assert app.core.server.state == "stopped"
        assert not (paths.server_dir / "logs").exists()  # nothing of the other one touched
        shot = os.environ.get("PUMPKIN_PATCH_SHOT_DIR", str(tmp_path))
        assert app.window.grab().save(os.path.join(shot, "profile-locked.png"))
    finally:
        other.release()
