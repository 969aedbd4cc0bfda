"""The Backups and Schedules pages, the schedule editor, crash banners and the tray filter.

Real app on a temp profile (offscreen). With ``PUMPKIN_PATCH_SCREENSHOTS=DIR``
the tests also save PNGs of the Backups page and of the schedule editor there.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from gui.ops import GuardSettings
from gui.ui.main_window import BACKUPS, SCHEDULES
from gui.ui.notifications import Notification

SHOTS = os.environ.get("PUMPKIN_PATCH_SCREENSHOTS")


def shoot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(Path(SHOTS) / name))


def test_backups_page_backs_up_with_progress_and_restore_asks_first(make_app, qtbot):
    app = make_app()
    core = app.core
    (core.paths.server_dir / "world").mkdir(exist_ok=True)
    (core.paths.server_dir / "world" / "level.dat").write_bytes(os.urandom(3 << 20))
    page = app.window.show_page(BACKUPS)
    progress = []
    app.window.ops_events.backupProgress.connect(progress.append)
    with qtbot.waitSignal(app.window.ops_events.backupMade, timeout=30_000):
        page.backup_button.click()
        assert not page.backup_button.isEnabled()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    assert progress and progress[-1].done == progress[-1].total
    assert page.table.item(0, 0).text().startswith("backup-")
    assert page.table.item(0, 2).text().endswith("MiB")
    assert page.status.text().startswith("Made backup-")
    assert not page.restore_button.isEnabled()
    page.table.selectRow(0)
    assert page.restore_button.isEnabled()
    shoot(app.window, "backups-page.png")

    # Cancel changes nothing.
    page.restore_button.click()
    box = page.confirm
    assert box.isVisible() and "Restore backup-" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not box.isVisible())
    assert core.ops.backups.busy is None and page.table.rowCount() == 1

    # Restore, confirmed: the server stops and starts, the old state is kept as a backup.
    (core.paths.server_dir / "world" / "level.dat").unlink()
    page.restore_button.click()
    restore = next(b for b in page.confirm.buttons() if b.text() == "Restore")
    with qtbot.waitSignal(app.window.ops_events.backupRestored, timeout=60_000):
        restore.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 2)
    assert (core.paths.server_dir / "world" / "level.dat").stat().st_size == 3 << 20
    qtbot.waitUntil(lambda: app.control.state == "running")
    assert page.table.item(0, 3).text() == "before-restore"


def test_schedule_editor_validates_saves_and_lists(make_app, qtbot):
    app = make_app()
    page = app.window.show_page(SCHEDULES)
    assert page.table.rowCount() == 0
    editor = page.edit(None)
    ok = editor.buttons.button(QDialogButtonBox.StandardButton.Ok)
    editor.name.setText("nightly restart")
    editor.action.setCurrentIndex(1)  # restart
    editor.when.setCurrentIndex(2)  # cron
    editor.cron.setText("every night")
    assert not ok.isEnabled()
    assert "not a cron expression" in editor.preview.text()
    assert not editor.form.isRowVisible(editor.command)
    assert editor.form.isRowVisible(editor.warn_s)
    editor.cron.setText("0 4 * * *")
    editor.warn_s.setValue(120)
    editor.only_when_players.setChecked(True)
    assert ok.isEnabled()
    assert "Next run:" in editor.preview.text() and "04:00:00" in editor.preview.text()
    shoot(editor, "schedule-editor.png")
    ok.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    assert page.table.item(0, 0).text() == "nightly restart"
    assert page.table.item(0, 2).text() == "cron 0 4 * * *, if players are online"
    assert page.table.item(0, 5).text().endswith("04:00:00")
    saved = tomllib.loads(app.core.paths.config_file.read_text())["schedules"]
    assert saved == [{"name": "nightly restart", "action": "restart", "cron": "0 4 * * *",
                      "warn_s": 120, "only_when_players": True, "enabled": True}]
    # A second schedule may not take the same name; Run now records a result.
    second = page.edit(None)
    second.name.setText("Nightly Restart")
    assert "another schedule" in second.preview.text()
    second.name.setText("hello")
    second.command.setText("say hi")
    second.when.setCurrentIndex(0)
    second.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 2)
    page.table.selectRow(1)
    page.run_button.click()
    qtbot.waitUntil(lambda: page.table.item(1, 4).text() == "returned 1", timeout=10_000)
    shoot(app.window, "schedules-page.png")


def test_a_crash_loop_shows_a_banner_and_the_tray_follows_its_settings(make_app, qtbot):
    app = make_app()
    guard = app.core.ops.guard
    guard.settings = GuardSettings(max_restarts=0, backoff_s=(0.0,))
    ticks = app.core.server.ticks

    def broken(loop):
        raise RuntimeError("injected")

    ticks._tick = broken
    qtbot.waitUntil(lambda: guard.gave_up is not None and not guard.busy, timeout=20_000)
    bar = app.window.notification_bar
    qtbot.waitUntil(lambda: any("stays stopped" in c.message.text() for c in bar.cards()))
    assert app.control.state == "failed"
    header = app.window.server_page.header
    assert "stays stopped" in header.detail.text() and header.start.isEnabled()
    shoot(app.window.show_page("server"), "server-crash-loop.png")
    # The tray shows only the kinds [alerts] tray lists.
    tray = app.tray
    tray.shown.clear()
    app.core.ops.settings = type(app.core.ops.settings)(
        alerts=type(app.core.ops.settings.alerts)(tray=("server-crashed",)))
    app.notifications.post(Notification("trap", "x trapped", "..."))
    app.notifications.post(Notification("server", "server crashed", "..."))
    if not app.window.isActiveWindow():
        assert [n.title for n in tray.shown] == ["server crashed"]
    # Start clears it.
    ticks._tick = type(ticks)._tick.__get__(ticks)
    app.window.server_page.header.start.click()
    qtbot.waitUntil(lambda: app.control.state == "running", timeout=20_000)
    assert guard.gave_up is None
