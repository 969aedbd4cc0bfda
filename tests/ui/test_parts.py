"""Parts of the window on their own: console model, badges, garbage collector, stall probe."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QTimer

from gui.plugins import PluginState
from gui.server.console import ConsoleLine
from gui.ui.badges import plugin_badge, signature_badge
from gui.ui.console_model import ConsoleFilter, ConsoleModel
from gui.ui.garbage import NO_AUTOMATIC_FULL, GarbageCollector
from gui.ui.market_cards import highest_risk, step_progress
from gui.ui.stall_probe import StallProbe


def line(n: int, level: str = "info", source: str = "server") -> ConsoleLine:
    return ConsoleLine(1_700_000_000.0 + n, level, source, f"message {n}")


def test_console_model_trims_and_filters(qtbot):
    model = ConsoleModel(capacity=5)
    sources = []
    model.sourceAdded.connect(sources.append)
    model.append_lines([line(i, "warn" if i % 2 else "info") for i in range(4)])
    model.set_filter(ConsoleFilter(levels=frozenset({"warn"})))
    assert [ln.message for ln in model.lines()] == ["message 1", "message 3"]
    model.append_lines([line(i, "warn" if i % 2 else "info", "echo") for i in range(4, 8)])
    # Capacity 5 keeps lines 3..7; of those the warnings 3, 5 and 7 are shown.
    assert [ln.message for ln in model.lines()] == ["message 3", "message 5", "message 7"]
    assert model.rowCount() == 3 and model.item(0).text().endswith("message 3")
    model.set_filter(ConsoleFilter(source="echo", text="MESSAGE 6"))
    assert [ln.message for ln in model.lines()] == ["message 6"]
    assert sources == ["server", "echo"]
    model.clear_lines()
    assert model.rowCount() == 0 and model.lines() == []


def test_badges_name_every_state():
    def plugin(state, error=None):
        return SimpleNamespace(lifecycle=SimpleNamespace(state=state), error=error)

    for state in PluginState:
        assert plugin_badge(plugin(state)).label == str(state)
    refused = plugin(PluginState.FAILED, "x.wasm is not a Pumpkin plugin: missing export")
    assert plugin_badge(refused).label == "incompatible"
    assert signature_badge(None).label == "unverified"
    assert signature_badge("ed25519:ab").label == "signed"


def test_permission_summary_and_install_progress():
    assert highest_risk(("fs.read.data", "network.outbound")).value == "high"
    assert highest_risk(("sys.info",)).value == "low"
    assert highest_risk(()) is None and highest_risk(None) is None
    percent, label = step_progress("download", 512 * 1024, 1024 * 1024)
    assert 14 < percent < 29 and label == "Downloading 0.5 of 1.0 MiB…"
    assert step_progress("load", 0, None)[0] == 85


def test_garbage_collector_freezes_and_collects_on_calm(qtbot):
    feed = SimpleNamespace(linesArrived=SimpleNamespace(connect=lambda slot: None))
    before = gc.get_threshold()
    collector = GarbageCollector(feed)
    collector.start()
    try:
        assert gc.get_threshold()[2] == NO_AUTOMATIC_FULL
        collector._count([object()] * 100)  # busy: only freezes
        collector.check()
        assert collector.heavy == 0 and gc.get_freeze_count() > 0
        collector._last_heavy -= 3600  # calm and due
        collector.check()
        assert collector.heavy == 1
    finally:
        collector.stop()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_stall_probe_sees_a_blocked_loop(qtbot):
    probe = StallProbe(5)
    probe.start()

    def block() -> None:
        until = time.perf_counter() + 0.08
        while time.perf_counter() < until:  # the GUI thread does not return to the loop
            pass

    QTimer.singleShot(20, block)
    qtbot.waitUntil(lambda: len(probe.stalls) > 20, timeout=5_000)
    probe.stop()
    assert 0.06 < probe.worst < 0.5


def test_no_qt_in_the_bench_module_itself():
    source = Path(__file__).resolve().parents[2] / "gui" / "bench" / "gui_latency.py"
    assert "PySide6" not in source.read_text(encoding="utf-8")


def test_a_plugins_status_line_and_gauge_names_are_shown_as_plain_text(qtbot):
    from PySide6.QtCore import Qt

    from gui.hostapi.plugin_status import StatusSnapshot
    from gui.ui.plugin_status_view import PluginStatusView

    view = PluginStatusView()
    qtbot.addWidget(view)
    markup = "<img src='file:///etc/passwd'> <b>all good</b>"
    view.show_status(StatusSnapshot("p", markup, (("<i>load</i>", (1.0, 2.0)),)))
    assert view.line.textFormat() is Qt.TextFormat.PlainText and view.line.text() == markup
    assert view.charts["<i>load</i>"].toolTip() == "&lt;i&gt;load&lt;/i&gt;: 2.00"
