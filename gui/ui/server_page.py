"""The Server page: state and controls, live charts, players, console.

Top: the server's state (running / starting / stopping / stopped /
restarting / failed) with Start, Stop and Restart. Middle: charts of TPS,
MSPT, memory and plugin call time (sampled once a second) and the players
online. Bottom: the console with its command line.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.control import ServerControl
from gui.server.state import ControlState
from gui.ui.bridge import ConsoleFeed, CoreEvents
from gui.ui.console_view import ConsoleView
from gui.ui.metrics import MetricsSampler, memory_chart_note
from gui.ui.players_view import PlayersView
from gui.ui.sparkline import Sparkline
from gui.ui.tasks import TaskRunner

SAMPLE_MS = 1000
STATE_COLOURS = {"running": "#2e7d32", "starting": "#1e88e5", "restarting": "#ef6c00",
                 "stopping": "#ef6c00", "stopped": "#757575", "failed": "#c62828"}


class ServerStateHeader(QWidget):
    """State pill, one-line detail and the Start / Stop / Restart buttons."""

    def __init__(self, control: ServerControl, events: CoreEvents, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self._tasks = tasks
        self.state = QLabel()
        self.state.setObjectName("serverState")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start = QPushButton("Start")
        self.stop = QPushButton("Stop")
        self.restart = QPushButton("Restart")
        self.stop.setToolTip("Plugins get on-unload, players are disconnected, then the "
                             "server stops")
        self.start.clicked.connect(lambda: tasks.start(control.start(), "Starting the server"))
        self.stop.clicked.connect(lambda: tasks.start(control.stop(), "Stopping the server"))
        self.restart.clicked.connect(
            lambda: tasks.start(control.restart(), "Restarting the server"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state)
        layout.addWidget(self.detail, 1)
        for button in (self.start, self.stop, self.restart):
            layout.addWidget(button)
        events.controlStateChanged.connect(self.show_state)
        self.show_state(control.state)

    def show_state(self, state: str) -> None:
        colour = STATE_COLOURS.get(state, "#757575")
        self.state.setText(state)
        self.state.setStyleSheet(f"#serverState {{ background: {colour}; color: white; "
                                 "border-radius: 10px; padding: 3px 12px; font-weight: bold; }")
        server = self.control.core.server
        if state == ControlState.FAILED:
            self.detail.setText(self.control.error or "The server failed.")
        elif state == ControlState.RUNNING:
            self.detail.setText(f"{server.config.motd} — {ports_text(server)}")
        else:
            self.detail.setText(str(server.server_dir))
        self.start.setEnabled(state in (ControlState.STOPPED, ControlState.FAILED))
        self.stop.setEnabled(state == ControlState.RUNNING)
        self.restart.setEnabled(state in (ControlState.RUNNING, ControlState.FAILED))


def ports_text(server: Any) -> str:
    """Where the running server can be reached: game port (and its version), RCON, Query."""
    parts = []
    if server.status_listener is not None and server.status_listener.address:
        host, port = server.status_listener.address
        parts.append(f"Java Edition {server.game_version} clients join on {host}:{port}")
    else:
        parts.append(f"game port {server.config.server_port} unavailable")
    if server.rcon is not None and server.rcon.address:
        host, port = server.rcon.address
        parts.append(f"RCON on {host}:{port}")
    else:
        parts.append("RCON off")
    if server.query is not None and server.query.address:
        host, port = server.query.address
        parts.append(f"Query on {host}:{port}/udp")
    return " · ".join(parts)


class MetricsPanel(QWidget):
    """The four charts, fed by a :class:`MetricsSampler` on a timer."""

    def __init__(self, core: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sampler = MetricsSampler(core)
        self.tps = Sparkline("TPS", "", colour="#2e7d32", ceiling=20, reference=20)
        self.mspt = Sparkline("MSPT", "ms", colour="#1e88e5", ceiling=10, reference=50)
        self.memory = Sparkline("Memory", "MiB", colour="#6a1b9a", ceiling=64, decimals=0)
        self.calls = Sparkline("Plugin call time", "ms", colour="#ef6c00", ceiling=1,
                               decimals=2)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for i, chart in enumerate((self.tps, self.mspt, self.memory, self.calls)):
            grid.addWidget(chart, i // 2, i % 2)
        self.timer = QTimer(self)
        self.timer.setInterval(SAMPLE_MS)
        self.timer.timeout.connect(self.sample)
        self.timer.start()

    def sample(self) -> None:
        s = self.sampler.sample()
        self.tps.add(s.tps)
        self.mspt.add(s.mspt)
        self.memory.add(s.memory_mb, memory_chart_note(s.memory))
        if s.memory is not None and s.memory.app is not None:
            self.memory.setToolTip(f"Memory: {self.memory.current_text()} resident "
                                   f"({s.memory.note()})")
        self.calls.add(s.call_ms, f"{s.calls} calls/s, max {s.call_max_ms:.1f} ms"
                       if s.calls else "no calls")


class ServerPage(QWidget):
    """State, charts, players and console of the local server."""

    def __init__(self, control: ServerControl, feed: ConsoleFeed, events: CoreEvents,
                 tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        server = control.core.server
        self._tasks = tasks
        self._server = server
        self._console_turn: asyncio.Lock | None = None  # made on the loop, when first needed
        self.header = ServerStateHeader(control, events, tasks)
        self.metrics = MetricsPanel(control.core)
        self.players = PlayersView(server, events, self.run_command)
        self.console = ConsoleView(feed, server.dispatcher.complete, self.run_command)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.metrics)
        top.addWidget(self.players)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.console)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        self.splitter = split

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)

    def run_command(self, line: str, what: str | None = None) -> None:
        """Run a console command; the window's commands run one after another, in order.

        (Only the admin's: a plugin's server.execute-command must not wait behind
        the console command that called the plugin.)
        """
        self._tasks.start(self._in_order(line), what or f"Running '{line}'",
                          on_done=lambda _result: self.players.refresh())

    async def _in_order(self, line: str) -> int:
        if self._console_turn is None:
            self._console_turn = asyncio.Lock()
        async with self._console_turn:
            return await self._server.execute_console(line)
