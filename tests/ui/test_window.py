"""The window on a running core: startup, pages, remembered state, server controls, console."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt

from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginState
from gui.ui.main_window import PLAYTEST, PLUGINS, SERVER

S = PluginState


def test_window_shows_the_running_server_and_every_page(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    window = app.window
    assert window.isVisible()
    assert app.control.state == "running"
    assert window.server_page.header.state.text() == "running"
    assert not window.server_page.header.start.isEnabled()
    assert window.server_page.header.stop.isEnabled()
    for key in window.pages:
        assert window.show_page(key) is window.stack.currentWidget()
    echo = app.core.plugins.get("echo")
    qtbot.waitUntil(lambda: window.plugins_page.model.badge_of("echo") == "running")
    assert echo.state is S.RUNNING
    assert "Plugins: 1 of 1 running" in window.status_plugins.text()


def test_geometry_and_last_page_are_remembered(make_app, qtbot):
    app = make_app()
    app.window.resize(QSize(795, 610))  # the offscreen screen is 800 x 800
    size = app.window.size()
    assert size.height() == 610
    app.window.show_page(PLAYTEST)
    with qtbot.waitSignal(app.finished, timeout=30_000):
        app.request_quit()
    assert not app.window.isVisible()

    again = make_app()
    assert again.window.current_page() == PLAYTEST
    assert again.window.size() == size


def test_close_button_runs_the_shutdown_path(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    echo = app.core.plugins.get("echo")
    with qtbot.waitSignal(app.finished, timeout=30_000) as done:
        app.window.close()  # the title bar's close button
    assert done.args == [0]
    assert app.core.server.state == "stopped"
    assert echo.state is S.DISABLED  # got on-unload on the way out
    assert not app.core.runtime.thread._thread.is_alive()
    assert "Server stopped" in app.core.console.messages("server")


def test_stop_start_restart_keep_disabled_plugins_down(make_app, qtbot):
    app = make_app(build_fixture("echo"), build_fixture("task-and-log"))
    header = app.window.server_page.header
    manager = app.core.plugins
    port = app.core.server.status_listener.address[1]
    assert f"Java Edition 26.1 clients join on 127.0.0.1:{port} · RCON off" in header.detail.text()
    with qtbot.waitSignal(app.window.plugins_page.model.badgeChanged):
        app.window.plugins_page.run_action("disable", "task-and-log")
    qtbot.waitUntil(lambda: manager.get("task-and-log").state is S.DISABLED)

    qtbot.mouseClick(header.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.control.state == "stopped", timeout=10_000)
    assert header.start.isEnabled() and not header.stop.isEnabled()
    assert manager.get("echo").state is S.DISABLED

    qtbot.mouseClick(header.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: manager.get("echo").state is S.RUNNING, timeout=20_000)
    assert app.control.state == "running"
    assert manager.get("task-and-log").state is S.DISABLED

    states = []
    app.events.controlStateChanged.connect(states.append)
    qtbot.mouseClick(header.restart, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: states[-1:] == ["running"] and "restarting" in states,
                    timeout=20_000)
    qtbot.waitUntil(lambda: manager.get("echo").state is S.RUNNING, timeout=20_000)
    assert manager.get("task-and-log").state is S.DISABLED


def test_console_command_line_runs_completes_and_remembers(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    console = app.window.server_page.console
    line = console.command_line
    qtbot.keyClicks(line, "playt")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    assert line.text() == "playtest "
    qtbot.keyClicks(line, "j")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    assert line.text() == "playtest join "
    qtbot.keyClicks(line, "Alice")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any("Alice <- system: Alice joined the game" in t
                                for t in _shown(console)))
    # Commands registered by plugins complete too.
    qtbot.keyClicks(line, "pi")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    assert line.text() == "ping "
    line.clear()
    qtbot.keyClick(line, Qt.Key.Key_Up)
    assert line.text() == "playtest join Alice"


def test_commands_typed_in_quick_succession_run_in_order(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    page = app.window.server_page
    page.run_command("playtest join Alice")  # both before the loop runs either
    page.run_command("playtest chat Alice first words")
    qtbot.waitUntil(lambda: "Alice <- chat: <Alice> first words"
                    in app.core.console.messages("playtest"))
    assert not any("No player named" in m for m in app.core.console.messages("server"))


def test_console_filters_by_level_source_and_text(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    console = app.window.server_page.console
    app.core.console.warn("server", "disk almost full")
    qtbot.waitUntil(lambda: any("disk almost full" in t for t in _shown(console)))
    console.level_buttons["info"].setChecked(False)
    assert all("[INFO]" not in t for t in _shown(console))
    assert any("disk almost full" in t for t in _shown(console))
    console.level_buttons["info"].setChecked(True)
    console.show_only("echo")
    assert _shown(console) and all("[echo]" in t for t in _shown(console))
    console.show_only(None)
    console.search.setText("ALMOST")
    assert _shown(console) == [t for t in _shown(console) if "disk almost full" in t]
    assert len(_shown(console)) == 1


def test_players_view_kicks_ops_and_bans(make_app, qtbot):
    app = make_app()
    server = app.core.server
    players = app.window.server_page.players
    app.window.server_page.run_command("playtest join Alice")
    app.window.server_page.run_command("playtest join Bob")
    qtbot.waitUntil(lambda: players.names() == ["Alice", "Bob"])
    players.list.setCurrentRow(0)
    qtbot.mouseClick(players.op, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: server.ops.find("Alice") is not None)
    qtbot.waitUntil(lambda: players.op.text() == "De-op")
    players.list.setCurrentRow(1)
    qtbot.mouseClick(players.kick, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: players.names() == ["Alice"])
    players.list.setCurrentRow(0)
    qtbot.mouseClick(players.ban, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: players.names() == [])
    assert server.bans.find("Alice") is not None


def test_charts_sample_the_running_server(make_app, qtbot):
    app = make_app(build_fixture("echo"))
    metrics = app.window.server_page.metrics
    app.window.show_page(SERVER)
    qtbot.waitUntil(lambda: len(metrics.tps.values) >= 2, timeout=5_000)
    assert metrics.tps.values[-1] > 10
    assert metrics.memory.values[-1] > 10
    # Once the core has read the app and its plugins, the chart shows the bench's figure.
    qtbot.waitUntil(lambda: app.core.memory.last.app is not None
                    and "echo" in app.core.memory.last.plugins, timeout=5_000)
    qtbot.waitUntil(lambda: metrics.memory.note.startswith("whole app; 1 plugin +"),
                    timeout=5_000)
    assert "1 plugin: +" in metrics.memory.toolTip() and "linear" in metrics.memory.toolTip()
    app.window.server_page.run_command("playtest join Bob")
    qtbot.waitUntil(lambda: app.window.server_page.players.names() == ["Bob"])
    app.window.server_page.run_command("playtest run Bob ping")
    qtbot.waitUntil(lambda: any(v > 0 for v in metrics.calls.values), timeout=5_000)


def test_window_title_pages_and_menus_exist(make_app):
    app = make_app()
    window = app.window
    assert window.windowTitle() == "Pumpkin Patch"
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles[:5] == ["Server", "Plugins", "Marketplace", "Playtest", "Settings"]
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&Go", "&Server", "&Help"]
    window.show_page(PLUGINS)
    assert window.current_page() == PLUGINS


def _shown(console) -> list[str]:
    model = console.model
    texts = [model.item(row).text() for row in range(model.rowCount())]
    assert texts == model.texts()
    return texts
