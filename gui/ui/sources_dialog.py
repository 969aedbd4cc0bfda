"""The sources manager: the repositories the marketplace trusts, each pinned to a key.

Adding a source takes two steps, as trust should: "Check" asks the
repository for its public key and shows the key's fingerprint; only "Trust
and add" pins it. Removing forgets a source (plugins installed from it stay).
The built-in samples source can be neither added nor removed.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.ui.market_state import MarketState
from gui.ui.tasks import TaskRunner


class SourcesDialog(QDialog):
    """List, add (with the key fingerprint to trust) and remove sources.

    Signals:
        sourcesChanged(): a source was added or removed.
    """

    sourcesChanged = Signal()

    def __init__(self, market: Any, state: MarketState, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.market = market
        self.state = state
        self._tasks = tasks
        self.candidate: Any = None
        self.setWindowTitle("Marketplace sources")
        self.setMinimumSize(980, 420)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Name", "Address", "Key fingerprint", "Status"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)

        self.url = QLineEdit()
        self.url.setPlaceholderText("https://plugins.example.org  (a Pumpkin marketplace "
                                    "repository)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("name (optional)")
        self.name.setMaximumWidth(160)
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Ask the repository for its key; nothing is added yet")
        self.check_button.clicked.connect(self.check)
        self.url.returnPressed.connect(self.check)
        self.fingerprint = QLabel()
        self.fingerprint.setWordWrap(True)
        self.trust_button = QPushButton("Trust and add")
        self.trust_button.setVisible(False)
        self.trust_button.clicked.connect(self.trust)

        add_row = QHBoxLayout()
        add_row.addWidget(self.url, 1)
        add_row.addWidget(self.name)
        add_row.addWidget(self.check_button)
        trust_row = QHBoxLayout()
        trust_row.addWidget(self.fingerprint, 1)
        trust_row.addWidget(self.trust_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Trusted sources</b> — everything installed from a source "
                                "must be signed with the key pinned here."))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.remove_button)
        layout.addWidget(QLabel("<b>Add a source</b>"))
        layout.addLayout(add_row)
        layout.addLayout(trust_row)
        layout.addWidget(close)
        state.changed.connect(self.show_sources)
        self.show_sources()
        state.refresh()

    def show_sources(self) -> None:
        sources = self.state.sources
        self.table.setRowCount(len(sources))
        for row, source in enumerate(sources):
            name = source.name + ("  (built in)" if source.builtin else "")
            for column, value in enumerate((name, source.url, source.fingerprint,
                                            source.state)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        self._selection_changed()

    def selected(self) -> Any:
        rows = {index.row() for index in self.table.selectedIndexes()}
        sources = self.state.sources
        return sources[rows.pop()] if len(rows) == 1 and max(rows) < len(sources) else None

    def _selection_changed(self) -> None:
        source = self.selected()
        self.remove_button.setEnabled(source is not None and not source.builtin)
        if source is not None and source.builtin:
            self.remove_button.setToolTip("The built-in samples source cannot be removed")

    # -- adding -----------------------------------------------------------------------------
    def check(self) -> None:
        url = self.url.text().strip()
        if not url:
            return
        self.candidate = None
        self.trust_button.setVisible(False)
        self.fingerprint.setText(f"Asking {html.escape(url)} for its key…")
        self.check_button.setEnabled(False)
        task = self._tasks.start(self.market.add_source(url, name=self.name.text().strip()
                                                        or None),
                                 f"Checking the source {url}", on_done=self._checked)
        if task is not None:
            task.add_done_callback(lambda t: self._check_done(t, url))

    def _check_done(self, task: asyncio.Task[Any], url: str) -> None:
        self.check_button.setEnabled(True)
        if not task.cancelled() and task.exception() is not None:
            self.fingerprint.setText(f"<span style='color:#c62828'>{html.escape(url)}: "
                                     f"{html.escape(str(task.exception()))}</span>")

    def _checked(self, candidate: Any) -> None:
        self.candidate = candidate
        self.fingerprint.setText(
            f"<b>{html.escape(candidate.name)}</b> at {html.escape(candidate.url)} announces "
            f"the key<br><code style='font-size:11pt'>{html.escape(candidate.fingerprint)}"
            "</code><br>Trust it only if its owner gave you this same fingerprint.")
        self.trust_button.setVisible(True)

    def trust(self) -> None:
        candidate = self.candidate
        if candidate is None:
            return
        self.trust_button.setEnabled(False)

        def added(_result: Any) -> None:
            self.fingerprint.setText(f"Added {html.escape(candidate.name)}.")
            self.trust_button.setVisible(False)
            self.trust_button.setEnabled(True)
            self.url.clear()
            self.name.clear()
            self.candidate = None
            self.state.refresh()
            self.sourcesChanged.emit()

        task = self._tasks.start(
            self.market.add_source(candidate.url, candidate.public_key_hex, name=candidate.name),
            f"Adding the source {candidate.name}", on_done=added)
        if task is not None:
            task.add_done_callback(lambda _t: self.trust_button.setEnabled(True))

    # -- removing ----------------------------------------------------------------------------
    def remove_selected(self) -> None:
        source = self.selected()
        if source is None or source.builtin:
            return

        def removed(_result: Any) -> None:
            self.state.refresh()
            self.sourcesChanged.emit()

        self._tasks.start(asyncio.to_thread(self.market.remove_source, source.name),
                          f"Removing the source {source.name}", on_done=removed)
