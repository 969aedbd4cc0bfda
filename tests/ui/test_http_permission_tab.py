"""The Permissions tab says where a JavaScript plugin's http.outbound reaches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
    shots = os.environ.get("PUMPKIN_PATCH_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        app.window.grab().save(str(Path(shots) / "plugins-http-permission.png"))
