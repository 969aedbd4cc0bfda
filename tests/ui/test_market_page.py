"""The Marketplace page: install with the permission dialog, search, sources, updates.

The acceptance scenario installs a sample from the bundled repository (the
app serves it on 127.0.0.1, no network) by clicking Install, unticks one
permission and accepts: the plugin runs with exactly the ticked set and its
badge says running. The other tests use a second repository of small WAT
plugins served by the test, added through the Sources dialog like an admin
would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gui.devkit.wat_build import build_fixture
from gui.market.repository import Repository
from gui.market.server import RepositoryServer
from gui.market.signing import fingerprint, generate_key, public_key_hex
from gui.plugins import PluginState
from gui.plugins.inspect import inspect_file
from gui.ui.main_window import MARKET, PLUGINS
from gui.ui.plugin_list import UpdateRole

S = PluginState


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


class LabRepository:
    """A signed repository of WAT plugins served on 127.0.0.1 by the test."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.key = generate_key()
        self.repo = Repository(root / name)
        self.server: RepositoryServer | None = None

    async def publish(self, runtime, plugin: str, version: str, permissions=(),
                      category: str = "") -> None:
        wasm = build_fixture("echo", plugin_name=plugin, version=version,
                             permissions=list(permissions))
        found = await inspect_file(runtime, wasm)
        self.repo.init(self.name, self.key)
        self.repo.publish(wasm.read_bytes(), name=plugin, version=version, key=self.key,
                          authors=["Lab"], permissions=list(permissions),
                          world_version=found.world_version, category=category,
                          description=f"{plugin} from the {self.name} lab")

    async def serve(self) -> str:
        self.server = RepositoryServer(self.repo.root)
        return await self.server.start()

    @property
    def fingerprint(self) -> str:
        return fingerprint(public_key_hex(self.key))


@pytest.fixture
def lab(tmp_path, arun):
    repo = LabRepository(tmp_path / "repos", "lab")
    yield repo
    if repo.server is not None:
        arun(repo.server.stop())


def search(qtbot, page, text: str | None = None) -> list[str]:
    with qtbot.waitSignal(page.searched, timeout=20_000):
        if text is None:
            page.run_search()
        else:
            page.search.clear()
            qtbot.keyClicks(page.search, text)  # as you type: one search after a pause
    return [card.listing.name for card in page.cards]


def add_source(qtbot, app, url: str, expected_fingerprint: str) -> None:
    page = app.window.show_page(MARKET)
    dialog = page.open_sources()
    qtbot.keyClicks(dialog.url, url)
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.trust_button.isVisible(), timeout=10_000)
    assert expected_fingerprint in dialog.fingerprint.text()
    assert "lab" not in [s.name for s in app.window.market_state.sources]  # not yet trusted
    click(qtbot, dialog.trust_button)
    qtbot.waitUntil(lambda: "lab" in [s.name for s in app.window.market_state.sources])
    dialog.close()


@pytest.mark.sdk
def test_install_a_sample_unticking_one_permission(make_app, qtbot, arun):
    app = make_app(samples=("stats",))
    assert arun(app.core.market.wait_samples(600), timeout=600_000) == "ready"
    window = app.window
    page = window.show_page(MARKET)
    qtbot.waitUntil(lambda: page.card_for("stats") is not None, timeout=20_000)
    card = page.card_for("stats")
    assert card.listing.source == "samples"
    assert card.risk_chip is not None and "medium" in card.risk_chip.text()
    click(qtbot, card.install.button)
    reviewer = window.reviewer
    qtbot.waitUntil(lambda: reviewer.current is not None and reviewer.current.isVisible(),
                    timeout=60_000)
    dialog = reviewer.current
    assert dialog.review.plugin == "stats"
    assert dialog.review.signature == "verified"
    assert dialog.checkbox("fs.read.data").isChecked()
    dialog.checkbox("fs.write.data").setChecked(False)
    click(qtbot, dialog.accept_button)
    manager = app.core.plugins
    qtbot.waitUntil(lambda: "stats" in manager.plugins
                    and manager.get("stats").state is S.RUNNING, timeout=60_000)
    assert manager.get("stats").scope.granted == frozenset({"fs.read.data"})
    qtbot.waitUntil(lambda: window.plugins_page.model.badge_of("stats") == "running")
    qtbot.waitUntil(lambda: page.card_for("stats").install.button.text() == "Installed")
    plugins = window.show_page(PLUGINS)
    plugins.select("stats")
    qtbot.waitUntil(lambda: "signed" in plugins.details.header_text()
                    and "unverified" not in plugins.details.header_text())


def test_search_filters_card_facts_and_sources(make_app, qtbot, arun, lab):
    app = make_app()
    runtime = app.core.runtime
    arun(lab.publish(runtime, "mailer", "1.0.0", ("fs.read.data", "network.outbound"),
                     category="chat"))
    arun(lab.publish(runtime, "dice2", "2.0.0", (), category="fun"))
    url = arun(lab.serve())
    add_source(qtbot, app, url, lab.fingerprint)
    page = app.window.show_page(MARKET)
    assert search(qtbot, page) == ["dice2", "mailer"]
    assert search(qtbot, page, "mail") == ["mailer"]
    card = page.card_for("mailer")
    assert card.risk_chip.text() == "highest risk: high"
    assert card.listing.source == "lab" and card.listing.signer == lab.fingerprint
    assert page.details.listing.name == "mailer"
    table = page.details.permissions
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == \
        ["fs.read.data", "network.outbound"]
    assert "Never granted by this host: network.outbound" in page.details.note.text()
    qtbot.waitUntil(lambda: page.details.versions.rowCount() == 1)
    assert page.details.versions.item(0, 0).text() == "1.0.0"

    page.search.clear()
    with qtbot.waitSignal(page.searched, timeout=20_000):
        page.category_box.setCurrentText("fun")
    assert [c.listing.name for c in page.cards] == ["dice2"]
    with qtbot.waitSignal(page.searched, timeout=20_000):
        page.category_box.setCurrentIndex(0)
    with qtbot.waitSignal(page.searched, timeout=20_000):
        page.source_box.setCurrentText("samples")
    assert page.cards == []

    dialog = page.open_sources()
    rows = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert rows == ["samples  (built in)", "lab"]
    dialog.table.selectRow(0)
    assert not dialog.remove_button.isEnabled()  # the built-in one stays
    dialog.table.selectRow(1)
    click(qtbot, dialog.remove_button)
    qtbot.waitUntil(lambda: [s.name for s in app.window.market_state.sources] == ["samples"])


def test_unreachable_source_is_named_and_the_others_still_answer(make_app, qtbot, arun, lab):
    app = make_app()
    arun(lab.publish(app.core.runtime, "mailer", "1.0.0"))
    url = arun(lab.serve())
    add_source(qtbot, app, url, lab.fingerprint)
    arun(lab.server.stop())
    lab.server = None
    page = app.window.show_page(MARKET)
    assert search(qtbot, page) == []
    assert "Source lab:" in page.status.text()


def test_update_held_for_review_then_approved_and_rolled_back(make_app, qtbot, arun, lab):
    app = make_app()
    runtime, manager = app.core.runtime, app.core.plugins
    arun(lab.publish(runtime, "mailer", "1.0.0", ("fs.read.data",)))
    url = arun(lab.serve())
    add_source(qtbot, app, url, lab.fingerprint)
    page = app.window.show_page(MARKET)
    search(qtbot, page)
    click(qtbot, page.card_for("mailer").install.button)
    reviewer = app.window.reviewer
    qtbot.waitUntil(lambda: reviewer.current is not None, timeout=20_000)
    click(qtbot, reviewer.current.accept_button)
    qtbot.waitUntil(lambda: "mailer" in manager.plugins
                    and manager.get("mailer").state is S.RUNNING, timeout=20_000)

    arun(lab.publish(runtime, "mailer", "1.1.0", ("fs.read.data", "fs.write.data")))
    plugins = app.window.show_page(PLUGINS)
    plugins.select("mailer")
    qtbot.waitUntil(lambda: plugins.details.buttons["update"].isEnabled())
    click(qtbot, plugins.details.buttons["update"])
    qtbot.waitUntil(lambda: reviewer.current is not None, timeout=20_000)
    assert reviewer.current.review.added == ("fs.write.data",)
    with qtbot.waitSignal(app.notifications.posted, timeout=20_000,
                          check_params_cb=lambda n: n.kind == "update") as held:
        reviewer.current.reject()  # closed without deciding: decide later
    notification = held.args[0]
    assert notification.plugin == "mailer" and "held for review" in notification.title
    plugin = manager.get("mailer")
    assert plugin.state is S.RUNNING and plugin.metadata.version == "1.0.0"
    qtbot.waitUntil(lambda: plugins.details.review_update.isVisible())

    card = next(c for c in app.window.notification_bar.cards() if c.notification is notification)
    click(qtbot, card.buttons["Review"])
    qtbot.waitUntil(lambda: reviewer.current is not None)
    click(qtbot, reviewer.current.accept_button)
    qtbot.waitUntil(lambda: manager.get("mailer").metadata.version == "1.1.0"
                    and manager.get("mailer").state is S.RUNNING, timeout=20_000)
    assert manager.get("mailer").scope.granted == frozenset({"fs.read.data", "fs.write.data"})

    # An update asking for nothing new applies at once and keeps the old one for Roll back.
    arun(lab.publish(runtime, "mailer", "1.2.0", ("fs.read.data", "fs.write.data")))
    click(qtbot, plugins.details.buttons["update"])
    version = lambda: (manager.get("mailer").metadata.version  # noqa: E731
                       if manager.get("mailer").state is S.RUNNING else None)
    qtbot.waitUntil(lambda: version() == "1.2.0", timeout=20_000)
    assert reviewer.current is None
    qtbot.waitUntil(lambda: plugins.details.buttons["rollback"].isEnabled())
    click(qtbot, plugins.details.buttons["rollback"])
    qtbot.waitUntil(lambda: version() == "1.1.0", timeout=20_000)


def test_a_newer_version_is_announced_badged_and_installed_from_the_notification(
        make_app, qtbot, arun, lab):
    app = make_app(update_check_interval=0.2)
    runtime, manager = app.core.runtime, app.core.plugins
    arun(lab.publish(runtime, "mailer", "1.0.0"))
    url = arun(lab.serve())
    add_source(qtbot, app, url, lab.fingerprint)
    page = app.window.show_page(MARKET)
    search(qtbot, page)
    click(qtbot, page.card_for("mailer").install.button)
    qtbot.waitUntil(lambda: "mailer" in manager.plugins
                    and manager.get("mailer").state is S.RUNNING, timeout=20_000)
    plugins = app.window.show_page(PLUGINS)
    plugins.select("mailer")
    assert plugins.details.buttons["update"].text() == "Update"

    with qtbot.waitSignal(app.notifications.posted, timeout=20_000,
                          check_params_cb=lambda n: "is available" in n.title) as posted:
        arun(lab.publish(runtime, "mailer", "1.1.0"))
    notification = posted.args[0]
    assert (notification.plugin, notification.title) == ("mailer", "mailer 1.1.0 is available")
    assert notification.severity == "info" and "Update" in notification.actions
    qtbot.waitUntil(lambda: plugins.details.buttons["update"].text() == "Update to 1.1.0")
    row = plugins.model.index(plugins.model.row_of("mailer"))
    assert row.data(UpdateRole).label == "update 1.1.0"
    # The marketplace card searched before 1.1.0 existed offers it too.
    assert page.card_for("mailer").install.button.text() == "Update to 1.1.0"

    card = next(c for c in app.window.notification_bar.cards() if c.notification is notification)
    click(qtbot, card.buttons["Update"])
    qtbot.waitUntil(lambda: manager.get("mailer").state is S.RUNNING
                    and manager.get("mailer").metadata.version == "1.1.0", timeout=20_000)
    qtbot.waitUntil(lambda: plugins.details.buttons["update"].text() == "Update")
    assert plugins.model.index(plugins.model.row_of("mailer")).data(UpdateRole) is None
