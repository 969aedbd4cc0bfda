"""The details pane of one plugin: what it is, may do, registered, logged and cost.

Header: name, version, state and signature badges, the action buttons.
Tabs: Overview (metadata, file, error, counters, recent faults),
Permissions (requested, granted / denied, risk; "Change permissions..."),
Registered (commands and events), Log (the plugin's own log).

The pane is a view: buttons emit ``actionRequested(action)`` and the page
runs it. ``show_plugin`` fills it; ``refresh`` re-reads the record (the
page calls it on state changes and once a second for the counters).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.permissions.catalogue import describe
from gui.plugins import PluginState
from gui.runtime.instance import MIB
from gui.ui.badges import Badge, plugin_badge, signature_badge
from gui.ui.plugin_status_view import PluginStatusView

S = PluginState
ENABLE, DISABLE, RELOAD, UPDATE, ROLLBACK, UNINSTALL, OPEN_DATA, PERMISSIONS = (
    "enable", "disable", "reload", "update", "rollback", "uninstall", "open-data", "permissions")
REVIEW_UPDATE = "review-update"
HOSTS = "http-hosts"
RISK_COLOURS = {"low": "#2e7d32", "medium": "#ef6c00", "high": "#c62828", "unknown": "#6d4c41"}
LOG_LINES = 500


def _show_chip(label: QLabel, badge: Badge) -> None:
    label.setText(badge.label)
    label.setToolTip(badge.tooltip)
    label.setStyleSheet(f"QLabel {{ background: {badge.fill}; color: {badge.ink}; "
                        "border-radius: 8px; padding: 1px 8px; font-weight: 600; }")


class PluginDetails(QWidget):
    """Everything about the selected plugin.

    Signals:
        actionRequested(str): one of the action constants of this module.
    """

    actionRequested = Signal(str)

    def __init__(self, signer: Callable[[str], str | None],
                 can_update: Callable[[str], bool] = lambda _name: False,
                 can_roll_back: Callable[[str], bool] = lambda _name: False,
                 parent: QWidget | None = None, *,
                 update_to: Callable[[str], str | None] = lambda _name: None,
                 reach: Callable[[str, str], str] = lambda _name, _permission: "") -> None:
        super().__init__(parent)
        self._reach = reach
        self._signer = signer
        self._can_update = can_update
        self._can_roll_back = can_roll_back
        self._update_to = update_to
        self.plugin: Any = None

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.version = QLabel()
        self.version.setStyleSheet("color: gray;")
        self.state_chip = QLabel()
        self.signature_chip = QLabel()
        header = QHBoxLayout()
        header.setSpacing(8)
        for widget in (self.title, self.version, self.state_chip, self.signature_chip):
            header.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addStretch(1)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for action, label, tip in (
            (ENABLE, "Enable", "Load and run it"),
            (DISABLE, "Disable", "on-unload, then keep it stopped"),
            (RELOAD, "Reload", "on-unload, then a fresh instance"),
            (UPDATE, "Update", "Install the newest version from its source"),
            (ROLLBACK, "Roll back", "Go back to the version installed before"),
            (UNINSTALL, "Uninstall…", "Remove it (you choose whether its data stays)"),
            (OPEN_DATA, "Open data folder", "Its private data folder"),
        ):
            button = QPushButton(label)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, a=action: self.actionRequested.emit(a))
            self.buttons[action] = button
            actions.addWidget(button)
        actions.addStretch(1)
        self.held = QLabel()
        self.held.setWordWrap(True)
        self.held.setStyleSheet("background: #fff8e1; border: 1px solid #f9a825; "
                                "border-radius: 4px; padding: 6px;")
        self.review_update = QPushButton("Review update…")
        self.review_update.clicked.connect(lambda: self.actionRequested.emit(REVIEW_UPDATE))
        held_row = QHBoxLayout()
        held_row.addWidget(self.held, 1)
        held_row.addWidget(self.review_update)

        self.tabs = QTabWidget()
        self.overview = QLabel()
        self.overview.setWordWrap(True)
        self.overview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.overview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counters = QFormLayout()
        overview = QWidget()
        overview_layout = QVBoxLayout(overview)
        overview_layout.addWidget(self.overview)
        self.status_view = PluginStatusView()
        overview_layout.addWidget(self.status_view)
        counters = QWidget()
        counters.setLayout(self.counters)
        overview_layout.addWidget(counters)
        self.faults = QListWidget()
        self.faults.setMaximumHeight(110)
        overview_layout.addWidget(QLabel("<b>Recent faults</b>"))
        overview_layout.addWidget(self.faults)
        overview_layout.addStretch(1)
        self.tabs.addTab(overview, "Overview")

        self.permissions = QTableWidget(0, 4)
        self.permissions.setHorizontalHeaderLabels(["Permission", "Decision", "Risk",
                                                    "What it allows"])
        self.permissions.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch)
        self.permissions.verticalHeader().setVisible(False)
        self.permissions.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.permission_note = QLabel()
        self.permission_note.setWordWrap(True)
        self.change_permissions = QPushButton("Change permissions…")
        self.change_permissions.clicked.connect(lambda: self.actionRequested.emit(PERMISSIONS))
        self.edit_hosts = QPushButton("Allowed hosts…")
        self.edit_hosts.setToolTip("Where this plugin's HTTP requests (http.outbound) may go")
        self.edit_hosts.clicked.connect(lambda: self.actionRequested.emit(HOSTS))
        permission_buttons = QHBoxLayout()
        permission_buttons.addWidget(self.change_permissions)
        permission_buttons.addWidget(self.edit_hosts)
        permission_buttons.addStretch(1)
        permissions = QWidget()
        permissions_layout = QVBoxLayout(permissions)
        permissions_layout.addWidget(self.permissions, 1)
        permissions_layout.addWidget(self.permission_note)
        permissions_layout.addLayout(permission_buttons)
        self.tabs.addTab(permissions, "Permissions")

        self.registered = QLabel()
        self.registered.setWordWrap(True)
        self.registered.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.registered.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs.addTab(self.registered, "Commands && events")

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(LOG_LINES * 4)
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tabs.addTab(self.log, "Log")

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.subtitle)
        layout.addLayout(actions)
        layout.addLayout(held_row)
        layout.addWidget(self.tabs, 1)
        self.placeholder = QLabel("Select a plugin on the left, or add a .wasm file.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.placeholder)
        self._last_line: Any = None
        self.show_plugin(None)

    # -- filling ---------------------------------------------------------------------
    def show_plugin(self, plugin: Any) -> None:
        changed = plugin is not self.plugin
        self.plugin = plugin
        for widget in (self.title, self.version, self.state_chip, self.signature_chip,
                       self.subtitle, self.tabs, *self.buttons.values()):
            widget.setVisible(plugin is not None)
        self.held.setVisible(False)
        self.review_update.setVisible(False)
        self.placeholder.setVisible(plugin is None)
        if plugin is None:
            return
        if changed:
            self.log.clear()
            self._last_line = None
        self.refresh()

    def header_text(self) -> str:
        """Name, version and both badges as shown."""
        return " ".join(w.text() for w in (self.title, self.version, self.state_chip,
                                           self.signature_chip))

    def refresh(self) -> None:
        plugin = self.plugin
        if plugin is None:
            return
        md = plugin.metadata
        state = plugin.lifecycle.state
        signer = self._signer(plugin.name)
        self.title.setText(plugin.name)
        self.version.setText(md.version if md else "")
        _show_chip(self.state_chip, plugin_badge(plugin))
        _show_chip(self.signature_chip, signature_badge(signer))
        self.subtitle.setText(html.escape(md.description if md and md.description
                                          else plugin.path.name))
        self._update_buttons(state)
        pending = plugin.pending_update
        self.held.setVisible(pending is not None)
        self.review_update.setVisible(pending is not None)
        if pending is not None:
            self.held.setText(f"Version {html.escape(pending.metadata.version)} is waiting for "
                              "your review: it asks for "
                              f"{html.escape(', '.join(pending.added) or 'no new permissions')}."
                              " This version keeps running meanwhile.")
        self._fill_overview(plugin, signer)
        self.status_view.show_status(plugin.status)
        self._fill_permissions(plugin)
        self._fill_registered(plugin)
        self._fill_log(plugin)

    def _update_buttons(self, state: PluginState) -> None:
        enable = self.buttons[ENABLE]
        enable.setText("Re-enable" if state is S.QUARANTINED else "Enable")
        enable.setEnabled(state in (S.DISABLED, S.FAILED, S.QUARANTINED, S.DECLINED))
        self.buttons[DISABLE].setEnabled(state in (S.RUNNING, S.TRAPPED, S.RESTARTING,
                                                   S.QUARANTINED, S.FAILED, S.NEEDS_REVIEW,
                                                   S.LOADING))
        self.buttons[RELOAD].setEnabled(state in (S.RUNNING, S.TRAPPED, S.FAILED))
        self.buttons[UPDATE].setEnabled(self._can_update(self.plugin.name))
        latest = self._update_to(self.plugin.name)
        self.buttons[UPDATE].setText(f"Update to {latest}" if latest else "Update")
        self.buttons[ROLLBACK].setEnabled(self._can_roll_back(self.plugin.name))
        self.change_permissions.setText("Review permissions…" if state is S.NEEDS_REVIEW
                                        else "Change permissions…")
        self.change_permissions.setEnabled(self.plugin.metadata is not None)
        md = self.plugin.metadata
        self.edit_hosts.setVisible(md is not None and "http.outbound" in md.permissions)

    def _fill_overview(self, plugin: Any, signer: str | None) -> None:
        md = plugin.metadata
        rows = []
        if md is not None:
            rows += [("Authors", ", ".join(md.authors) or "—"),
                     ("Dependencies", ", ".join(md.dependencies) or "none")]
        rows += [("File", str(plugin.path)), ("sha256", plugin.sha256 or "—"),
                 ("Signature", f"signed by {signer}" if signer else "unverified"),
                 ("Compiled", plugin.compiled_note())]
        if plugin.loaded_at:
            rows.append(("Loaded at", dt.datetime.fromtimestamp(plugin.loaded_at)
                         .strftime("%Y-%m-%d %H:%M:%S")))
        text = "".join(f"<tr><td style='color:gray; padding-right:12px'>{k}</td>"
                       f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        error = (f"<p style='color:#c62828'><b>Problem:</b> {html.escape(plugin.error)}</p>"
                 if plugin.error else "")
        self.overview.setText(f"{error}<table>{text}</table>")
        m = plugin.metrics
        memory = memory_text(plugin)
        values = [("Calls", f"{m.calls:,}"), ("Median call", f"{m.median_seconds * 1000:.2f} ms"),
                  ("Longest call", f"{m.max_seconds * 1000:.1f} ms"), ("Traps", str(m.traps)),
                  ("Memory", memory)]
        while self.counters.rowCount():
            self.counters.removeRow(0)
        for label, value in values:
            self.counters.addRow(f"{label}:", QLabel(value))
        self.faults.clear()
        for record in reversed(plugin.faults[-10:]):
            when = dt.datetime.fromtimestamp(record.at).strftime("%H:%M:%S")
            self.faults.addItem(f"{when}  {record.export}  {record.fault.kind}: "
                                f"{record.fault.message}")
        if not plugin.faults:
            self.faults.addItem("No faults.")

    def _fill_permissions(self, plugin: Any) -> None:
        requested = list(plugin.metadata.permissions) if plugin.metadata else []
        granted = set(plugin.scope.granted) if plugin.scope is not None else set()
        self.permissions.setRowCount(len(requested))
        for row, name in enumerate(requested):
            cap = describe(name)
            if name in granted:
                decision, colour = "granted", "#2e7d32"
            elif not cap.enforceable:
                decision, colour = "never granted", "#6d4c41"
            else:
                decision, colour = "denied", "#c62828"
            reach = self._reach(plugin.name, name)
            allows = cap.reason or cap.description
            cells = [name, decision, str(cap.risk), f"{allows} — {reach}" if reach else allows]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 1:
                    item.setForeground(QColor(colour))
                if column == 2:
                    item.setForeground(QColor(RISK_COLOURS.get(str(cap.risk), "#000000")))
                item.setToolTip(cells[3])
                self.permissions.setItem(row, column, item)
        self.permissions.resizeColumnsToContents()
        self.permissions.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch)
        running = plugin.lifecycle.state is S.RUNNING
        if not requested:
            self.permission_note.setText("It requests no permissions.")
        elif running or granted:
            self.permission_note.setText(f"Granted {len(granted)} of {len(requested)}. "
                                         "Changing them reloads it with the new set.")
        else:
            self.permission_note.setText("Nothing is granted while it does not run.")

    def _fill_registered(self, plugin: Any) -> None:
        scope = plugin.scope
        commands = sorted(scope.commands) if scope is not None else []
        events = sorted({f"{e.event_type} ({e.priority}{', blocking' if e.blocking else ''})"
                         for e in scope.events}) if scope is not None else []
        tasks = len(scope.tasks) if scope is not None else 0
        parts = ["<b>Commands</b><br>" + ("<br>".join(f"/{html.escape(c)}" for c in commands)
                                          or "none"),
                 "<b>Events</b><br>" + ("<br>".join(html.escape(e) for e in events) or "none"),
                 f"<b>Scheduled tasks</b><br>{tasks}"]
        self.registered.setText("<br><br>".join(parts))

    def _fill_log(self, plugin: Any) -> None:
        lines = list(plugin.log.lines) if plugin.log is not None else []
        new = lines
        if self._last_line is not None:
            # The log keeps its newest lines only: find where this view stopped.
            for i in range(len(lines) - 1, -1, -1):
                if lines[i] is self._last_line:
                    new = lines[i + 1:]
                    break
        if lines:
            self._last_line = lines[-1]
        for line in new[-LOG_LINES:]:
            clock = dt.datetime.fromtimestamp(line.time).strftime("%H:%M:%S")
            self.log.appendPlainText(f"{clock} [{line.level.upper()}] {line.message}")


def memory_trend_text(figures: Any) -> str:
    """Its share of the app and, when it keeps growing, how soon it hits its limit."""
    if figures is None:
        return ""
    text = ""
    if figures.share is not None:
        text += f" linear; ~{figures.share / MIB:.0f} MiB share of the app"
    if figures.rate and figures.rate > 0:
        text += f"; growing {figures.rate * 60 / MIB:.1f} MiB/min"
        if figures.worrying and figures.seconds_to_limit is not None:
            text += f", the limit in ~{max(1, round(figures.seconds_to_limit / 60))} min"
    return text


def memory_text(plugin: Any) -> str:
    """The plugin's linear memory against its limit, as the counters show it."""
    limits = getattr(plugin.instance, "limits", None)
    if limits is None or not plugin.is_live():
        return "not running"
    limit = f"{limits.memory_bytes / MIB:.0f} MiB"
    used = plugin.memory_bytes
    if used is None:
        return f"limit {limit} (usage not readable on this system)"
    amount = f"{used / MIB:.1f} MiB" if used >= MIB else f"{used // 1024} KiB"
    share = used / limits.memory_bytes * 100 if limits.memory_bytes else 0.0
    text = f"{amount} of {limit} ({'<1' if 0 < share < 1 else f'{share:.0f}'}%)"
    return text + memory_trend_text(getattr(plugin, "memory", None))
