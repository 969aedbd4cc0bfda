"""Faults reach the admin: a notification within 1 s, the badge, the history, the tray.

The acceptance scenario drives the Playtest page like a developer: a
virtual player runs ``/crash trap`` against the crashy sample; the
notification appears within a second, crashy's badge changes, the server
keeps running and the dice sample keeps answering.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from gui.devkit.wat_build import build_fixture
from gui.plugins import PluginState
from gui.ui.main_window import NOTIFICATIONS, PLAYTEST, PLUGINS
from gui.ui.notifications import DETAILS, DISABLE, RESTART

S = PluginState


def add_player(qtbot, page, name: str) -> None:
    qtbot.keyClicks(page.name, name)
    qtbot.mouseClick(page.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: name in page.virtual_players())


def send(qtbot, page, text: str, *, command: bool) -> None:
    (page.command_mode if command else page.chat_mode).setChecked(True)
    qtbot.keyClicks(page.input, text)
    qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)


def transcript(page) -> str:
    return page.transcript.toPlainText()


@pytest.mark.sdk
def test_trap_from_playtest_notifies_within_a_second_and_others_keep_answering(make_app, qtbot):
    from tests.sdk_plugins import sdk_plugin

    app = make_app(sdk_plugin("crashy"), sdk_plugin("dice"))
    window = app.window
    page = window.show_page(PLAYTEST)
    add_player(qtbot, page, "Tester")
    send(qtbot, page, "roll 20", command=True)
    qtbot.waitUntil(lambda: "Tester <- feedback: Tester rolled" in transcript(page))
    crashy = app.core.plugins.get("crashy")
    assert window.plugins_page.model.badge_of("crashy") == "running"

    badges = []
    window.plugins_page.model.badgeChanged.connect(lambda name, label: badges.append(
        (name, label)))
    ticks = app.core.server.ticks.tick_count
    with qtbot.waitSignal(app.notifications.posted, timeout=10_000) as posted:
        send(qtbot, page, "crash trap", command=True)
        sent = time.monotonic()
    # The trap happened within the command call; the card is on screen within 1 s of it.
    trapped_at = crashy.faults[-1].at
    notification = posted.args[0]
    assert notification.plugin == "crashy"
    assert "unreachable" in notification.title
    assert set(notification.actions) == {DETAILS, RESTART, DISABLE}
    assert time.time() - trapped_at < 1.0 and time.monotonic() - sent < 5
    card = window.notification_bar.cards()[0]
    assert card.notification is notification and window.notification_bar.isVisible()
    assert "crashy trapped (unreachable)" in card.title.text()
    assert set(card.buttons) == {DETAILS, RESTART, DISABLE}
    # The badge changed; the server kept ticking; dice still answers.
    assert window.plugins_page.model.badge_of("crashy") in ("trapped", "restarting", "running")
    assert ("crashy", "trapped") in badges
    assert app.control.state == "running"
    send(qtbot, page, "roll 6", command=True)
    qtbot.waitUntil(lambda: transcript(page).count("Tester <- feedback: Tester rolled") == 2)
    qtbot.waitUntil(lambda: app.core.server.ticks.tick_count > ticks + 10)
    # crashy comes back by itself and answers again.
    qtbot.waitUntil(lambda: crashy.state is S.RUNNING, timeout=20_000)
    send(qtbot, page, "crashy hello", command=True)
    qtbot.waitUntil(lambda: "Tester <- feedback: crashy is alive" in transcript(page))
    # Nothing modal popped up on its own.
    assert app.window.reviewer.current is None
    assert qtbot_modal_widgets() == []


def test_event_trap_notification_badge_and_history(make_app, qtbot):
    app = make_app(build_fixture("echo"), build_fixture("trap-in-event"))
    window = app.window
    badges = []
    window.plugins_page.model.badgeChanged.connect(lambda name, label: badges.append(
        (name, label)))
    page = window.show_page(PLAYTEST)
    add_player(qtbot, page, "Bob")
    with qtbot.waitSignal(app.notifications.posted, timeout=5_000) as posted:
        send(qtbot, page, "hello there", command=False)
        sent = time.monotonic()
    assert time.monotonic() - sent < 1.0
    assert posted.args[0].plugin == "trap-in-event"
    assert ("trap-in-event", "trapped") in badges
    qtbot.waitUntil(lambda: "Bob <- chat: <Bob> hello there" in transcript(page))
    send(qtbot, page, "ping", command=True)
    qtbot.waitUntil(lambda: "Bob <- feedback: pong" in transcript(page))
    # The history keeps it, and the sidebar counts it until looked at.
    assert window.sidebar.item(5).text() == "Notifications (1)"
    history = window.show_page(NOTIFICATIONS)
    assert history.list.count() == 1
    assert window.sidebar.item(5).text() == "Notifications"
    assert "trap-in-event trapped" in history.list.item(0).text()


def test_notification_actions_details_disable_restart(make_app, qtbot):
    app = make_app(build_fixture("echo"), build_fixture("trap-in-event"))
    window = app.window
    manager = app.core.plugins
    add_player(qtbot, window.show_page(PLAYTEST), "Bob")
    with qtbot.waitSignal(app.notifications.posted, timeout=5_000):
        send(qtbot, window.playtest_page, "boom", command=False)
    card = window.notification_bar.cards()[0]
    qtbot.mouseClick(card.buttons[DETAILS], Qt.MouseButton.LeftButton)
    assert window.current_page() == PLUGINS
    assert window.plugins_page.selected() == "trap-in-event"
    assert window.notification_bar.cards() == []

    notification = app.notifications.history[-1]
    app.notifications.request(notification, DISABLE)
    qtbot.waitUntil(lambda: manager.get("trap-in-event").state is S.DISABLED)
    app.notifications.request(notification, RESTART)
    qtbot.waitUntil(lambda: manager.get("trap-in-event").state is S.RUNNING)


def test_quarantine_notification_and_reenable(make_app, qtbot):
    app = make_app(build_fixture("echo"), build_fixture("trap-in-event"))
    window = app.window
    manager = app.core.plugins
    plugin = manager.get("trap-in-event")
    add_player(qtbot, window.show_page(PLAYTEST), "Bob")
    for _ in range(3):
        qtbot.waitUntil(lambda: plugin.state is S.RUNNING, timeout=5_000)
        with qtbot.waitSignal(app.notifications.posted, timeout=5_000):
            app.window.playtest_page.send("boom")
    qtbot.waitUntil(lambda: plugin.state is S.QUARANTINED)
    last = app.notifications.history[-1]
    assert last.kind == "quarantine" and "quarantined" in last.title
    assert window.plugins_page.model.badge_of("trap-in-event") == "quarantined"
    # The bar shows where the plugin stands now; the history keeps every fault.
    cards = [c for c in window.notification_bar.cards()
             if c.notification.plugin == "trap-in-event"]
    assert [c.notification for c in cards] == [last]
    assert [n.kind for n in app.notifications.history if n.plugin == "trap-in-event"] == \
        ["trap", "trap", "quarantine"]
    details = window.plugins_page.details
    window.show_page(PLUGINS)
    window.plugins_page.select("trap-in-event")
    assert details.buttons["enable"].text() == "Re-enable"
    qtbot.mouseClick(details.buttons["enable"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: plugin.state is S.RUNNING)
    assert plugin.trap_times == []


def test_tray_or_alert_when_the_window_is_not_in_front(make_app, qtbot):
    app = make_app(build_fixture("echo"), build_fixture("trap-in-event"))
    tray = app.tray
    assert tray.available is False  # offscreen has no system tray
    add_player(qtbot, app.window.show_page(PLAYTEST), "Bob")
    app.window.isActiveWindow = lambda: False  # another app is in front
    with qtbot.waitSignal(app.notifications.posted, timeout=5_000):
        app.window.playtest_page.send("boom")
    assert [n.plugin for n in tray.shown] == ["trap-in-event"]


def test_server_start_failure_is_a_notification(make_app, qtbot, monkeypatch):
    app = make_app()
    header = app.window.server_page.header
    qtbot.mouseClick(header.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.control.state == "stopped")

    def broken(*_args, **_kwargs):
        raise PermissionError("server.properties: permission denied")

    monkeypatch.setattr(app.core.server.access, "load", broken)
    with qtbot.waitSignal(app.notifications.posted, timeout=5_000) as posted:
        qtbot.mouseClick(header.start, Qt.MouseButton.LeftButton)
    assert app.control.state == "failed"
    assert header.state.text() == "failed"
    assert "permission denied" in posted.args[0].message
    assert "press Start" in posted.args[0].message
    monkeypatch.undo()
    qtbot.mouseClick(header.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.control.state == "running")


def qtbot_modal_widgets():
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isModal()]
