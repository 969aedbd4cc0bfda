"""A plugin's own status on the Plugins page: its status line and a chart per gauge.

Fed with the :class:`gui.hostapi.plugin_status.StatusSnapshot` the plugin
last published through ``pumpkin-patch:host/status`` (``Plugin.status``);
hidden for plugins that never used it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from gui.hostapi.plugin_status import StatusSnapshot
from gui.ui.sparkline import Sparkline

COLUMNS = 2
COLOURS = ("#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#e53935", "#6d4c41",
           "#3949ab")


class PluginStatusView(QGroupBox):
    """The status line and gauges of one plugin."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Status (from the plugin)", parent)
        self.line = QLabel()
        self.line.setWordWrap(True)
        self.line.setTextFormat(Qt.TextFormat.PlainText)  # the plugin's words, never markup
        self._grid = QGridLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.line)
        layout.addLayout(self._grid)
        self.charts: dict[str, Sparkline] = {}
        self._shown: StatusSnapshot | None = None
        self.show_status(None)

    def show_status(self, status: StatusSnapshot | None) -> None:
        self.setVisible(status is not None)
        # The page refreshes on a timer too: a snapshot already drawn is not redrawn.
        if status is None or status is self._shown:
            return
        self._shown = status
        self.line.setText(status.line or "(no status line)")
        names = [name for name, _ in status.gauges]
        if names != list(self.charts):
            self._rebuild(names)
        for name, values in status.gauges:
            chart = self.charts[name]
            chart.values.clear()
            chart.values.extend(values)
            chart.setToolTip(html.escape(f"{name}: {chart.current_text()}"))
            chart.update()

    def _rebuild(self, names: list[str]) -> None:
        for chart in self.charts.values():
            self._grid.removeWidget(chart)
            chart.deleteLater()
        self.charts = {}
        for i, name in enumerate(names):
            chart = Sparkline(name, "", colour=COLOURS[i % len(COLOURS)], capacity=60,
                              decimals=2)
            chart.setMinimumSize(160, 70)
            self._grid.addWidget(chart, i // COLUMNS, i % COLUMNS)
            self.charts[name] = chart
