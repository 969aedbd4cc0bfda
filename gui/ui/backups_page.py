"""The Backups page: make one now (with progress), the list with sizes, Restore (asks first).

Listing reads the backups folder on a worker thread; backups and restores
run in the core (gui/ops) and report progress through :class:`OpsEvents`.
"""

from __future__ import annotations

import asyncio
import html
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.ops import BackupInfo
from gui.ui.ops_bridge import OpsEvents
from gui.ui.tasks import TaskRunner

COLUMNS = ("Backup", "Made", "Size", "Reason")


def size_text(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.2f} GiB"
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MiB"
    return f"{size / 1024:.0f} KiB"


class BackupsPage(QWidget):
    """Backups of this profile's server."""

    def __init__(self, ops: Any, events: OpsEvents, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self._tasks = tasks
        self.backups: list[BackupInfo] = []
        title = QLabel("<h2>Backups</h2>")
        settings = ops.backups.settings
        logs = "with logs" if settings.include_logs else "without logs"
        plugins = "plugins and grants" if settings.include_plugins else "no plugin files"
        self.summary = QLabel(
            f"Each backup holds server.properties, ops, bans, whitelist, the world and the "
            f"plugins' data ({plugins}, {logs}). The newest {settings.keep} are kept, in "
            f"<code>{ops.backups.folder}</code>. Backups are made while the server runs.")
        self.summary.setWordWrap(True)
        self.backup_button = QPushButton("Back up now")
        self.backup_button.clicked.connect(self.back_up)
        self.restore_button = QPushButton("Restore…")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.ask_restore)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.progress.setMinimumWidth(320)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.progress)
        buttons.addStretch(1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        events.backupProgress.connect(self._progress)
        events.backupMade.connect(lambda n: self._finished(
            f"Made {n.name} ({size_text(n.size)} in {n.seconds:.1f} s)"))
        events.backupRestored.connect(lambda n: self._finished(
            f"Restored {n.name}; the state before it is in {n.safety}"))
        events.backupFailed.connect(lambda n: self._finished(f"The {n.what} failed: "
                                                             f"{n.message}", error=True))
        self.refresh()

    # -- the list ---------------------------------------------------------------------
    def refresh(self) -> None:
        async def listing() -> list[BackupInfo]:
            return await asyncio.to_thread(self.ops.backups.list)

        self._tasks.start(listing(), "Listing the backups", on_done=self.show_backups)

    def show_backups(self, backups: list[BackupInfo]) -> None:
        selected = self.selected()
        self.backups = list(reversed(backups))  # newest first
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            made = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.created))
            for column, text in enumerate((info.name, made, size_text(info.size),
                                           info.reason)):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            if selected is not None and info.name == selected.name:
                self.table.selectRow(row)
        if not self.backups:
            self.status.setText("No backups yet: press Back up now.")
        self._selection_changed()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.backups):
            return None
        return self.backups[rows[0].row()]

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None and not self.ops.backups.busy)

    # -- actions ----------------------------------------------------------------------
    def back_up(self) -> None:
        self._busy("Backing up…")
        self._tasks.start(self.ops.backup(), "Making a backup")

    def ask_restore(self) -> None:
        info = self.selected()
        if info is None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Restore this backup?",
                          f"Restore {info.name}?", parent=self)
        box.setInformativeText(
            "The server stops (players are kicked), the current state is kept as a backup "
            "of its own, the backup's files replace the current ones, and the server starts "
            "again.")
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        restore = box.addButton("Restore", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _r: self._answered(box.clickedButton() is restore, info))
        self.confirm = box
        box.open()

    def _answered(self, yes: bool, info: BackupInfo) -> None:
        if yes:
            self.restore(info.name)

    def restore(self, name: str) -> None:
        self._busy(f"Restoring {name}…")
        self._tasks.start(self.ops.restore(name), f"Restoring {name}")

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.backup_button.setEnabled(False)
        self.restore_button.setEnabled(False)

    def _progress(self, notice: Any) -> None:
        self.progress.setVisible(True)
        if notice.total:
            self.progress.setValue(min(1000, int(notice.done * 1000 / notice.total)))
        verb = "Backing up" if notice.what == "backup" else "Restoring"
        self.status.setText(f"{verb} {notice.name}: {size_text(notice.done)} of "
                            f"{size_text(notice.total)}")

    def _finished(self, text: str, *, error: bool = False) -> None:
        self.progress.setVisible(False)
        self.backup_button.setEnabled(True)
        self.status.setText(f"<span style='color:#c62828'>{html.escape(text)}</span>"
                            if error else html.escape(text))
        self.refresh()
