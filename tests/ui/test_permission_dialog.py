"""The permission review dialog, clicked with pytest-qt, against a real server core.

The dialog only shows a ReviewRequest and says what was ticked; these tests
record the answer through the core's PermissionService, as the window does,
and check the stored grants and what the running plugin can actually do.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QDialog

from gui.devkit.wat_build import build_fixture
from gui.permissions import DecisionState, PermissionPolicy, build_review
from gui.plugins import PluginMetadata, PluginState
from gui.ui.permission_dialog import EDIT, PermissionDialog
from tests.harness import Session
from tests.permissions.perm_support import approve, reply, store_for

FS = ["fs.read.data", "fs.write.data"]
NAME = "data-file"
MIXED = ("fs.read.data", "fs.write.data", "sys.env.API_TOKEN", "network.outbound", "made.up")


def click(qtbot, widget) -> None:
    """Click a checkbox on its indicator (or any button in its middle)."""
    if isinstance(widget, QCheckBox):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def show(qtbot, dialog: PermissionDialog) -> PermissionDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_dialog_shows_one_row_per_permission_with_risk_and_reason(qtbot, tmp_path):
    md = PluginMetadata("stats", "1.2.0", ("Ann", "Bo"), "Counts joins.", (), MIXED)
    review = build_review(md, previous=None, policy=PermissionPolicy(), signature="unsigned")
    dialog = show(qtbot, PermissionDialog(review))
    assert "stats" in dialog.title.text() and "1.2.0" in dialog.title.text()
    assert dialog.authors.text() == "by Ann, Bo"
    assert dialog.signature.text() == "Unsigned"
    rows = {w.row.permission: w for w in dialog.rows}
    assert list(rows) == list(MIXED)
    assert [rows[p].risk.text() for p in MIXED] == [
        "low risk", "medium risk", "high risk", "high risk", "unknown risk"]
    # low and medium start ticked, high unticked; the ungrantable ones disabled.
    assert [rows[p].checkbox.isChecked() for p in MIXED] == [True, True, False, False, False]
    assert [rows[p].checkbox.isEnabled() for p in MIXED] == [True, True, True, False, False]
    assert "This host cannot enforce network permissions" in rows["network.outbound"] \
        .description.text()
    assert "Unknown permission: never granted." in rows["made.up"].description.text()
    assert dialog.summary.text().startswith("2 of 5 requested permissions will be granted. "
                                            "2 cannot be granted")
    click(qtbot, rows["made.up"].checkbox)  # disabled: nothing happens
    assert dialog.granted() == {"fs.read.data", "fs.write.data"}
    shot = tmp_path / "perm-dialog.png"
    assert dialog.grab().save(str(shot)) and shot.stat().st_size > 1000


def test_untick_and_accept_grants_exactly_what_was_ticked(qtbot, paths):
    wasm = build_fixture(NAME, permissions=[*FS, "network.outbound"])
    (paths.plugin_data_root / NAME).mkdir(parents=True)
    (paths.plugin_data_root / NAME / "hello.txt").write_text("hello")

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.NEEDS_REVIEW
            dialog = show(qtbot, PermissionDialog(session.core.permissions.review(NAME)))
            assert dialog.granted() == frozenset(FS)
            accepted: list[frozenset[str]] = []
            dialog.grantsAccepted.connect(accepted.append)
            click(qtbot, dialog.checkbox("fs.write.data"))
            assert not dialog.checkbox("fs.write.data").isChecked()
            click(qtbot, dialog.accept_button)
            assert dialog.result() == QDialog.DialogCode.Accepted
            assert dialog.outcome == "accepted"
            assert accepted == [frozenset({"fs.read.data"})]
            await session.core.permissions.approve(NAME, accepted[0])

            decision = store_for(paths).decision(NAME, plugin.sha256)
            assert decision.state is DecisionState.APPROVED
            assert decision.granted == {"fs.read.data"}
            assert plugin.state is PluginState.RUNNING
            assert plugin.scope.granted == {"fs.read.data"}
            await session.run("playtest join Bob")
            assert await reply(session, "readfile") == "read ok: hello"
            written = await reply(session, "writefile")
            assert written.startswith("write failed: "), written

    asyncio.run(scenario())


def test_decline_leaves_the_plugin_not_running(qtbot, paths):
    wasm = build_fixture(NAME, permissions=FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            dialog = show(qtbot, PermissionDialog(session.core.permissions.review(NAME)))
            with qtbot.waitSignal(dialog.declined, timeout=1000):
                click(qtbot, dialog.decline_button)
            assert dialog.result() == QDialog.DialogCode.Rejected
            assert dialog.outcome == "declined"
            await session.core.permissions.decline(NAME)
            assert plugin.state is PluginState.DECLINED
            assert plugin.instance is None
            assert store_for(paths).decision(NAME).state is DecisionState.DECLINED
            assert not session.seen(r"Loaded data-file", "plugins")

    asyncio.run(scenario())


def test_edit_mode_changes_an_installed_plugins_grants(qtbot, paths):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, ["fs.read.data"])

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.scope.granted == {"fs.read.data"}
            review = session.core.permissions.review(NAME)
            # Cancel changes nothing.
            dialog = show(qtbot, PermissionDialog(review, mode=EDIT))
            assert dialog.accept_button.text() == "Save"
            assert not dialog.checkbox("fs.write.data").isChecked()  # as decided before
            click(qtbot, dialog.checkbox("fs.write.data"))
            click(qtbot, dialog.cancel_button)
            assert dialog.outcome == ""
            # Tick write, save: the plugin reloads with both.
            dialog = show(qtbot, PermissionDialog(review, mode=EDIT))
            click(qtbot, dialog.checkbox("fs.write.data"))
            with qtbot.waitSignal(dialog.grantsAccepted, timeout=1000) as saved:
                click(qtbot, dialog.accept_button)
            await session.core.permissions.approve(NAME, saved.args[0])
            assert plugin.state is PluginState.RUNNING
            assert plugin.scope.granted == frozenset(FS)
            assert store_for(paths).decision(NAME).granted == frozenset(FS)
            await session.run("playtest join Bob")
            assert await reply(session, "writefile") == "write ok"

    asyncio.run(scenario())


def test_http_outbound_says_which_hosts_it_reaches(qtbot, tmp_path):
    from types import MappingProxyType

    from gui.settings import PluginOverride

    md = PluginMetadata("fetcher", "1.0.0", ("Ann",), "Fetches.", (), ("http.outbound",))
    listed = PermissionPolicy(overrides=MappingProxyType(
        {"fetcher": PluginOverride(http_hosts=("127.0.0.1:8080", "example.org"))}))
    dialog = show(qtbot, PermissionDialog(build_review(md, previous=None, policy=listed)))
    row = dialog.rows[0]
    assert row.checkbox.isEnabled() and not row.checkbox.isChecked()  # high risk: unticked
    assert "Only to 127.0.0.1:8080, example.org." in row.description.text()
    shot = tmp_path / "perm-dialog-http.png"
    assert dialog.grab().save(str(shot)) and shot.stat().st_size > 1000

    unlisted = show(qtbot, PermissionDialog(build_review(md, previous=None,
                                                         policy=PermissionPolicy())))
    text = unlisted.rows[0].description.text()
    assert "No hosts are listed for fetcher, so every request is refused" in text
    assert "pumpkin-patch plugin hosts fetcher HOST[:PORT]" in text
