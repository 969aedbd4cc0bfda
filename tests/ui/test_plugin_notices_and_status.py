"""A plugin's notices (admin.notify) and its status (gauges) in the real window.

The notebook sample, built against Pumpkin Patch's world, is driven from the
Playtest page: ``/alert`` notices become notification cards (five, then the
rate limit answers), and its status line and gauges show on the Plugins
page. ``PUMPKIN_PATCH_SCREENSHOTS=DIR`` keeps a picture of the page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gui.ui.main_window import PLAYTEST, PLUGINS
from tests.permissions.perm_support import write_config
from tests.sdk_plugins import sdk_plugin
from tests.ui.test_faults_and_notifications import add_player, send, transcript

pytestmark = pytest.mark.sdk


def test_notices_become_cards_and_gauges_show_on_the_plugins_page(make_app, qtbot, paths):
    write_config(paths, '[plugins]\nallowed_permissions = ["storage.kv", "admin.notify"]\n'
                        "call_deadline_ms = 2000\n")  # fsync'd storage writes on a busy machine
    app = make_app(sdk_plugin("notebook"))
    window = app.window
    page = window.show_page(PLAYTEST)
    add_player(qtbot, page, "Tester")

    posted = []
    app.notifications.posted.connect(posted.append)
    for i in range(6):
        send(qtbot, page, f"alert the cows are out {i}", command=True)
        expected = "The admin has been told" if i < 5 else "Too many alerts; try again in"
        qtbot.waitUntil(lambda i=i, expected=expected:
                        transcript(page).count("Tester <- feedback: ") == i + 1
                        and expected in transcript(page).splitlines()[-1])
    cards = [n for n in posted if n.kind == "plugin"]
    qtbot.waitUntil(lambda: len([n for n in posted if n.kind == "plugin"]) == 5)
    cards = [n for n in posted if n.kind == "plugin"]
    assert cards[0].title == "notebook: Alert from Tester"
    assert cards[0].message == "the cows are out 0" and cards[0].severity == "warning"
    shown = window.notification_bar.cards()
    assert shown and "notebook: Alert from Tester" in shown[0].title.text()

    send(qtbot, page, "note feed the cows", command=True)
    qtbot.waitUntil(lambda: "Saved note #1" in transcript(page))
    plugins = window.show_page(PLUGINS)
    plugins.select("notebook")
    view = plugins.details.status_view
    qtbot.waitUntil(lambda: view.isVisible() and view.line.text() == "1 note, 1 online",
                    timeout=10_000)
    assert set(view.charts) == {"notes", "players"}
    assert list(view.charts["notes"].values)[-1] == 1.0
    assert view.charts["players"].current_text() == "1.00"
    shots = os.environ.get("PUMPKIN_PATCH_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(shots) / "plugins-status.png"))
