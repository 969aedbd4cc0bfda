"""The Permissions tab says where a JavaScript plugin's http.outbound reaches, and edits it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gui.settings import AppSettings
from gui.ui.http_hosts_dialog import HttpHostsDialog
from gui.ui.main_window import PLUGINS
from tests.permissions.perm_support import write_config
from tests.sdk_plugins import js_test_plugin

pytestmark = pytest.mark.sdk


def test_permissions_tab_names_the_allowed_hosts(make_app, qtbot, paths):
    write_config(paths, '[plugins]\nallowed_permissions = ["http.outbound"]\n'
                        '[plugins.overrides.fetcher]\nhttp_hosts = ["127.0.0.1:8080"]\n')
    app = make_app(js_test_plugin("fetcher"))
    page = app.window.show_page(PLUGINS)
    page.select("fetcher")
    details = page.details
    details.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: details.permissions.rowCount() == 1)
    assert details.permissions.item(0, 0).text() == "http.outbound"
    assert details.permissions.item(0, 1).text() == "granted"
    assert details.permissions.item(0, 3).text().endswith(" — only to 127.0.0.1:8080")
    # The admin changes the list while the window runs: the tab follows.
    write_config(paths, '[plugins]\nallowed_permissions = ["http.outbound"]\n'
                        '[plugins.overrides.fetcher]\nhttp_hosts = ["example.org"]\n')
    qtbot.waitUntil(lambda: details.permissions.item(0, 3) is not None and details.permissions
                    .item(0, 3).text().endswith(" — only to example.org"), timeout=10_000)

    # ... and in the window: a bad entry is named and cannot be saved, a good one is
    # saved to config.toml and applied (the plugin reloads with the new list).
    assert details.edit_hosts.isVisible()
    qtbot.mouseClick(details.edit_hosts, Qt.MouseButton.LeftButton)
    dialog = page.findChild(HttpHostsDialog)
    assert dialog is not None and dialog.hosts() == ["example.org"]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.editor.setPlainText("example.org\nhttp://127.0.0.1:9000/")
    assert not ok.isEnabled() and "is a URL or path" in dialog.problems.text()
    dialog.editor.setPlainText("example.org\n127.0.0.1:9000")
    assert ok.isEnabled() and not dialog.problems.isVisible()
    shots = os.environ.get("PUMPKIN_PATCH_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(Path(shots) / "http-hosts-dialog.png"))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: details.permissions.item(0, 3) is not None and details.permissions
                    .item(0, 3).text().endswith(" — only to 127.0.0.1:9000, example.org"),
                    timeout=10_000)
    assert AppSettings.load(paths.config_file).plugins.override("fetcher").http_hosts == (
        "example.org", "127.0.0.1:9000")
    assert AppSettings.load(paths.config_file).plugins.allowed_permissions == ("http.outbound",)
    shots = os.environ.get("PUMPKIN_PATCH_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        app.window.grab().save(str(Path(shots) / "plugins-http-permission.png"))
