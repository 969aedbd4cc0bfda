"""The Plugins page: list and badges, details, actions, adding a .wasm by drop or dialog."""

from __future__ import annotations

import re
import warnings

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginState
from gui.ui.main_window import PLUGINS

S = PluginState


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_list_shows_badges_and_details(make_app, qtbot):
    app = make_app(build_fixture("echo"), build_fixture("not-a-plugin"))
    page = app.window.show_page(PLUGINS)
    model = page.model
    assert model.names() == ["echo", "not-a-plugin"]
    assert model.badge_of("echo") == "running"
    assert model.badge_of("not-a-plugin") == "incompatible"
    page.select("echo")
    details = page.details
    assert "echo" in details.header_text() and "running" in details.header_text()
    assert "unverified" in details.header_text()
    assert "/ping" in details.registered.text()
    assert "player-chat-event" in details.registered.text()
    assert "echo loaded" in details.log.toPlainText()
    page.select("not-a-plugin")
    assert "not a Pumpkin plugin" in details.overview.text()
    assert not details.change_permissions.isEnabled()  # no metadata to review


def test_disable_enable_reload_and_counters(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    page = app.window.show_page(PLUGINS)
    manager = app.core.plugins
    page.select("echo")
    details = page.details
    click(qtbot, details.buttons["disable"])
    qtbot.waitUntil(lambda: manager.get("echo").state is S.DISABLED)
    qtbot.waitUntil(lambda: page.model.badge_of("echo") == "disabled")
    assert details.buttons["enable"].isEnabled()
    click(qtbot, details.buttons["enable"])
    qtbot.waitUntil(lambda: manager.get("echo").state is S.RUNNING)
    app.window.server_page.run_command("playtest join Bob")
    qtbot.waitUntil(lambda: len(app.core.server.players) == 1)
    app.window.server_page.run_command("playtest run Bob ping")
    qtbot.waitUntil(lambda: manager.get("echo").metrics.calls >= 1)
    details.refresh()
    assert "Calls:" in _counters(details) and _counters(details)["Calls:"] != "0"
    # The core reads each plugin's linear memory every 2 s; the pane shows it.
    # With it, its share of what the plugins added to the app (gui/plugins/memory_watch.py).
    qtbot.waitUntil(lambda: manager.get("echo").memory is not None, timeout=5000)
    details.refresh()
    shown = _counters(details)["Memory:"]
    assert re.fullmatch(r"\d+(\.\d MiB| KiB) of 256 MiB \((<1|\d+)%\) linear; "
                        r"~\d+ MiB share of the app", shown), shown
    loads = app.core.console.messages("plugins").count("Loaded echo 0.1.0 (from cache in")
    click(qtbot, details.buttons["reload"])
    qtbot.waitUntil(lambda: sum(m.startswith("Loaded echo 0.1.0") for m in
                                app.core.console.messages("plugins")) > loads)


def test_uninstall_keeps_or_deletes_data(make_app, qtbot, paths):
    app = make_app(build_fixture("echo"),
                   ("other.wasm", build_fixture("echo", plugin_name="other")))
    page = app.window.show_page(PLUGINS)
    manager = app.core.plugins
    for name in ("echo", "other"):
        (paths.plugin_data_root / name).mkdir(parents=True, exist_ok=True)
        (paths.plugin_data_root / name / "notes.txt").write_text("keep me")
    box = page.confirm_uninstall("echo")
    keep = next(b for b in box.buttons() if b.text() == "Uninstall, keep data")
    click(qtbot, keep)
    qtbot.waitUntil(lambda: not (paths.plugins_dir / "echo.wasm").exists())
    assert "echo" not in manager.plugins
    assert (paths.plugin_data_root / "echo" / "notes.txt").exists()
    assert page.model.names() == ["other"]
    box = page.confirm_uninstall("other")
    delete = next(b for b in box.buttons() if b.text() == "Uninstall and delete data")
    click(qtbot, delete)
    qtbot.waitUntil(lambda: not (paths.plugin_data_root / "other").exists())
    assert "other" not in manager.plugins
    assert page.model.names() == []
    assert page.empty.isVisible()


def test_dropped_wasm_is_installed_through_the_pipeline(make_app, qtbot, tmp_path):
    app = make_app()
    page = app.window.show_page(PLUGINS)
    source = tmp_path / "dropped.wasm"
    source.write_bytes(build_fixture("echo", plugin_name="dropped").read_bytes())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(source))])
    with warnings.catch_warnings():
        # PySide6 6.12 marks the only QDragEnterEvent constructor (QPoint) deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(page, drop)
    # Not signed by a trusted source: the admin is asked, nothing pops up by itself before.
    installer = app.window.installer
    qtbot.waitUntil(lambda: installer.question is not None and installer.question.isVisible())
    anyway = next(b for b in installer.question.buttons() if b.text() == "Install anyway")
    click(qtbot, anyway)
    qtbot.waitUntil(lambda: "dropped" in app.core.plugins.plugins, timeout=20_000)
    qtbot.waitUntil(lambda: app.core.plugins.get("dropped").state is S.RUNNING)
    assert page.selected() == "dropped"
    assert (app.paths.plugins_dir / "dropped.wasm").exists()


def test_file_dialog_adds_a_plugin_asking_for_its_permissions(make_app, qtbot, tmp_path):
    app = make_app()
    page = app.window.show_page(PLUGINS)
    wasm = tmp_path / "diary.wasm"
    wasm.write_bytes(build_fixture("echo", plugin_name="diary",
                                   permissions=["fs.read.data", "fs.write.data"]).read_bytes())
    dialog = page.pick_files()
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.filesSelected.emit([str(wasm)])
    dialog.close()
    installer = app.window.installer
    qtbot.waitUntil(lambda: installer.question is not None and installer.question.isVisible())
    click(qtbot, next(b for b in installer.question.buttons() if b.text() == "Install anyway"))
    reviewer = app.window.reviewer
    qtbot.waitUntil(lambda: reviewer.current is not None and reviewer.current.isVisible(),
                    timeout=20_000)
    review = reviewer.current
    assert review.review.plugin == "diary"
    review.checkbox("fs.write.data").setChecked(False)
    click(qtbot, review.accept_button)
    plugin_ready = lambda: ("diary" in app.core.plugins.plugins  # noqa: E731
                            and app.core.plugins.get("diary").state is S.RUNNING)
    qtbot.waitUntil(plugin_ready, timeout=20_000)
    assert app.core.plugins.get("diary").scope.granted == frozenset({"fs.read.data"})
    page.select("diary")
    table = page.details.permissions
    decisions = {table.item(r, 0).text(): table.item(r, 1).text()
                 for r in range(table.rowCount())}
    assert decisions == {"fs.read.data": "granted", "fs.write.data": "denied"}


def test_change_permissions_opens_the_dialog_and_reloads(make_app, qtbot, tmp_path):
    app = make_app()
    wasm = tmp_path / "diary.wasm"
    wasm.write_bytes(build_fixture("echo", plugin_name="diary",
                                   permissions=["fs.read.data", "fs.write.data"]).read_bytes())
    app.core.market.installer.allow_unsigned = True
    app.window.installer.install([wasm])
    reviewer = app.window.reviewer
    qtbot.waitUntil(lambda: reviewer.current is not None, timeout=20_000)
    click(qtbot, reviewer.current.accept_button)  # both ticked by default (low / medium)
    qtbot.waitUntil(lambda: "diary" in app.core.plugins.plugins
                    and app.core.plugins.get("diary").state is S.RUNNING, timeout=20_000)
    page = app.window.show_page(PLUGINS)
    page.select("diary")
    assert page.details.change_permissions.text() == "Change permissions…"
    click(qtbot, page.details.change_permissions)
    qtbot.waitUntil(lambda: reviewer.current is not None)
    edit = reviewer.current
    assert edit.mode == "edit"
    edit.checkbox("fs.read.data").setChecked(False)
    click(qtbot, edit.accept_button)
    plugin = app.core.plugins.get("diary")
    qtbot.waitUntil(lambda: plugin.state is S.RUNNING
                    and plugin.scope.granted == frozenset({"fs.write.data"}), timeout=20_000)


def test_not_a_wasm_file_is_refused_with_a_message(make_app, qtbot, tmp_path):
    app = make_app()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with qtbot.waitSignal(app.notifications.posted) as posted:
        app.window.installer.install([text])
    assert "notes.txt is not a .wasm file" in posted.args[0].message
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]


def _counters(details) -> dict[str, str]:
    form = details.counters
    out = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole).widget().text()
        out[label] = form.itemAt(row, form.ItemRole.FieldRole).widget().text()
    return out


def test_a_dropped_wasm_named_a_dot_dot_b_is_refused_with_the_one_name_rule(
        make_app, qtbot, tmp_path):
    from gui.paths import unsafe_name_reason

    app = make_app()
    source = tmp_path / "innocent.wasm"
    source.write_bytes(build_fixture("echo", plugin_name="a..b").read_bytes())
    with qtbot.waitSignal(app.window.services.tasks.failed, timeout=20_000) as failed:
        app.window.installer.install_one(source, allow_unsigned=True)
    what, why = failed.args
    assert what == "Adding innocent.wasm"
    assert f"{unsafe_name_reason('a..b')}; refusing to install it" in why
    assert list(app.paths.plugins_dir.glob("*.wasm")) == []
