"""The Schedules page: each scheduled task with its last and next run and last result.

Add, Edit (the schedule editor) and Remove save ``[[schedules]]`` to
config.toml through the core (atomically, off the GUI thread); Run now runs
the selected one at once. The table refreshes every second from the
runner's memory (no disk reads).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.ops import Schedule, ScheduleStatus
from gui.ui.ops_bridge import OpsEvents
from gui.ui.schedule_editor import ScheduleEditor
from gui.ui.tasks import TaskRunner

COLUMNS = ("Name", "Does", "When", "Last run", "Last result", "Next run")
REFRESH_MS = 1000


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "—"


class SchedulesPage(QWidget):
    """Scheduled commands, restarts and backups."""

    def __init__(self, ops: Any, events: OpsEvents, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self._tasks = tasks
        self.statuses: list[ScheduleStatus] = []
        self.editor: ScheduleEditor | None = None
        intro = QLabel("Tasks that run a console command, restart the server (after a "
                       "warning to players) or make a backup: every so many seconds, at "
                       "times of day, or by a cron expression. Kept in config.toml.")
        intro.setWordWrap(True)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.run_button = QPushButton("Run now")
        self.add_button.clicked.connect(lambda: self.edit(None))
        self.edit_button.clicked.connect(lambda: self.edit(self.selected()))
        self.remove_button.clicked.connect(self.remove_selected)
        self.run_button.clicked.connect(self.run_selected)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.run_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(lambda _i: self.edit(self.selected()))
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Schedules</h2>"))
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        events.scheduleRan.connect(lambda _n: self.refresh())
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        selected = self.selected()
        self.statuses = self.ops.schedules.statuses()
        self.table.setRowCount(len(self.statuses))
        for row, status in enumerate(self.statuses):
            s = status.schedule
            result = "running…" if status.running else (status.last_result or "—")
            when = f"{s.when}, if players are online" if s.only_when_players else s.when
            values = (s.name if s.enabled else f"{s.name} (disabled)", s.what, when,
                      _when(status.last_run), result, _when(status.next_run))
            for column, text in enumerate(values):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
                if column == 4:
                    item.setForeground(QColor("#c62828") if status.last_ok is False
                                       else self.palette().text().color())
        if selected is not None:
            for row, status in enumerate(self.statuses):
                if status.schedule.name == selected.name:
                    self.table.selectRow(row)
        self._selection_changed()

    def selected(self) -> Schedule | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.statuses):
            return None
        return self.statuses[rows[0].row()].schedule

    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        for button in (self.edit_button, self.remove_button, self.run_button):
            button.setEnabled(chosen)

    def edit(self, schedule: Schedule | None) -> ScheduleEditor:
        """Open the editor for ``schedule`` (None: a new one); saves when accepted."""
        taken = {s.name for s in self.ops.schedules.schedules
                 if schedule is None or s.name != schedule.name}
        editor = ScheduleEditor(schedule, taken=taken, parent=self)
        editor.accepted.connect(lambda: self._save_edit(schedule, editor.schedule))
        self.editor = editor
        editor.open()
        return editor

    def _save_edit(self, old: Schedule | None, new: Schedule | None) -> None:
        if new is None:
            return
        current = list(self.ops.schedules.schedules)
        if old is None:
            current.append(new)
        else:
            current = [new if s.name == old.name else s for s in current]
        self._save(current, f"Saving schedule {new.name}")

    def remove_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._save([s for s in self.ops.schedules.schedules if s.name != chosen.name],
                       f"Removing schedule {chosen.name}")

    def _save(self, schedules: list[Schedule], what: str) -> None:
        self._tasks.start(self.ops.save_schedules(schedules), what,
                          on_done=lambda _r: self.refresh())

    def run_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._tasks.start(self.ops.schedules.run_now(chosen.name),
                              f"Running schedule {chosen.name}", on_done=lambda _r: self.refresh())
            self.refresh()
