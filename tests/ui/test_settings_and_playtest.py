"""The Settings page (server.properties, [plugins] policy and limits, folders) and Playtest."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox

from gui.devkit.wat_build import build_fixture
from gui.server.config import ServerConfig
from gui.settings import AppSettings
from gui.ui.main_window import PLAYTEST, SETTINGS


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_server_settings_form_is_typed_saves_and_restarts(make_app, qtbot):
    app = make_app()
    page = app.window.show_page(SETTINGS)
    form = page.server_form
    assert isinstance(form.editors["online_mode"], QCheckBox)
    assert isinstance(form.editors["max_players"], QSpinBox)
    assert form.editors["server_port"].maximum() == 65535
    assert isinstance(form.editors["difficulty"], QComboBox)
    assert isinstance(form.editors["motd"], QLineEdit)
    form.editors["motd"].setText("Pumpkins welcome")
    form.editors["max_players"].setValue(7)
    form.editors["difficulty"].setCurrentText("hard")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        click(qtbot, form.save_button)
    saved = ServerConfig.load(form.path)
    assert (saved.motd, saved.max_players, saved.difficulty) == ("Pumpkins welcome", 7, "hard")
    assert "Restart the server to apply" in form.status.text()
    click(qtbot, form.restart_button)
    qtbot.waitUntil(lambda: app.core.server.config.motd == "Pumpkins welcome"
                    and app.control.state == "running", timeout=20_000)


def test_plugin_policy_and_limits_are_saved_to_config_toml(make_app, qtbot):
    app = make_app()
    page = app.window.show_page(SETTINGS)
    form = page.policy_form
    qtbot.waitUntil(form.isEnabled)  # read on a worker thread when first shown
    assert form.memory.value() == 256 and form.call_deadline.value() == 200
    form.allowed.setPlainText("sys.info")
    form.blocked.setPlainText("network.*\nbogus.permission")
    form.ask.setChecked(False)
    form.memory.setValue(64)
    form.call_deadline.setValue(150)
    with qtbot.waitSignal(form.saved, timeout=10_000):
        click(qtbot, form.save_button)
    assert "bogus.permission" in form.status.text()  # pointed out, kept
    settings = AppSettings.load(app.paths.config_file).plugins
    assert settings.allowed_permissions == ("sys.info",)
    assert settings.blocked_permissions == ("network.*", "bogus.permission")
    assert settings.ask_permission_confirmation is False
    assert (settings.max_memory_mb, settings.call_deadline_ms) == (64, 150)


def test_folders_are_listed(make_app):
    app = make_app()
    page = app.window.show_page(SETTINGS)
    labels = [label.text() for label in page.folders.findChildren(QLabel)]
    for folder in (app.paths.plugins_dir, app.paths.server_dir, app.paths.plugin_data_root):
        assert any(str(folder) in label for label in labels), labels


def test_playtest_players_chat_commands_and_answers(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    page = app.window.show_page(PLAYTEST)
    qtbot.keyClicks(page.name, "Alice")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    qtbot.keyClicks(page.name, "Bob")
    click(qtbot, page.add)
    qtbot.waitUntil(lambda: page.virtual_players() == ["Alice", "Bob"])
    qtbot.keyClicks(page.name, "not valid!")
    click(qtbot, page.add)
    assert "not a valid name" in page.transcript.toPlainText()

    page.speaker.setCurrentText("Bob")
    page.command_mode.setChecked(True)
    qtbot.keyClicks(page.input, "pi")
    qtbot.keyClick(page.input, Qt.Key.Key_Tab)  # plugin commands complete here too
    assert page.input.text() == "ping "
    qtbot.keyClick(page.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Bob <- feedback: pong" in page.transcript.toPlainText())
    page.chat_mode.setChecked(True)
    qtbot.keyClicks(page.input, "hello all")
    click(qtbot, page.send_button)
    qtbot.waitUntil(lambda: "Alice <- chat: <Bob> hello all" in page.transcript.toPlainText())
    assert "[echo]" in page.transcript.toPlainText()  # what the plugin logged

    page.players.setCurrentRow(0)
    click(qtbot, page.remove)
    qtbot.waitUntil(lambda: page.virtual_players() == ["Bob"])
    assert page.speaker.currentText() == "Bob"
