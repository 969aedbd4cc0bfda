"""The server console: coloured lines, level / source / text filters, a command line.

The view shows a :class:`ConsoleModel` fed by the :class:`ConsoleFeed`; it
follows new lines while scrolled to the bottom and stays put when the admin
scrolled up to read. Commands typed here run as console commands through
``run_command`` (an async function); their output comes back as lines.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.server.console import LEVELS
from gui.ui.bridge import ConsoleFeed
from gui.ui.command_line import CommandLine, Completer
from gui.ui.console_model import ConsoleFilter, ConsoleModel

ALL_SOURCES = "All sources"


class ConsoleView(QWidget):
    """Console lines with filters and a command line."""

    def __init__(self, feed: ConsoleFeed, complete: Completer,
                 run_command: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ConsoleModel(parent=self)
        self._run_command = run_command

        self.level_buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for level in LEVELS:
            button = QToolButton()
            button.setText(level.capitalize())
            button.setCheckable(True)
            button.setChecked(level != "debug")
            button.setToolTip(f"Show {level} lines")
            button.toggled.connect(self._apply_filter)
            self.level_buttons[level] = button
            bar.addWidget(button)
        self.source_box = QComboBox()
        self.source_box.addItem(ALL_SOURCES)
        self.source_box.setToolTip("Only lines from this source (the server, playtest, "
                                   "or a plugin)")
        self.source_box.setMinimumContentsLength(12)
        self.source_box.currentIndexChanged.connect(self._apply_filter)
        bar.addWidget(self.source_box)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter lines (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filter)
        bar.addWidget(self.search, 1)
        self.follow = QToolButton()
        self.follow.setText("Follow")
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest line in view")
        bar.addWidget(self.follow)
        clear = QToolButton()
        clear.setText("Clear")
        clear.setToolTip("Clear the view (the server's log file keeps every line)")
        clear.clicked.connect(self.model.clear_lines)
        bar.addWidget(clear)

        # A one-column table, not a list view: with fixed row heights its layout
        # costs nothing per row, where QListView lays out every row again after
        # each batch (45 ms at 3,000 lines while following a chat flood).
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        rows = self.view.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.view.fontMetrics().height() + 2)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        QShortcut(QKeySequence.StandardKey.Copy, self.view, self.copy_selection)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)

        self.command_line = CommandLine(complete)
        self.command_line.submitted.connect(self._submitted)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.command_line)

        self.model.sourceAdded.connect(self._add_source)
        self._apply_filter()
        self.model.append_lines(feed.history())
        feed.linesArrived.connect(self.append_lines)

    def append_lines(self, lines: list) -> None:
        self.model.append_lines(lines)
        if self.follow.isChecked():
            self.view.scrollToBottom()

    def _scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = value >= bar.maximum() - 2
        if self.follow.isChecked() != at_bottom and bar.isSliderDown():
            self.follow.setChecked(at_bottom)

    def _add_source(self, source: str) -> None:
        self.source_box.addItem(source)

    def _apply_filter(self) -> None:
        levels = frozenset(level for level, button in self.level_buttons.items()
                           if button.isChecked())
        source = self.source_box.currentText()
        self.model.set_filter(ConsoleFilter(levels, None if source == ALL_SOURCES else source,
                                            self.search.text()))
        if self.follow.isChecked():
            self.view.scrollToBottom()

    def _submitted(self, line: str) -> None:
        self.follow.setChecked(True)
        self._run_command(line)

    def copy_selection(self) -> None:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedIndexes()})
        texts = self.model.texts()
        text = "\n".join(texts[r] for r in rows if r < len(texts))
        if text:
            QApplication.clipboard().setText(text)

    def show_only(self, source: str | None) -> None:
        """Filter to one source (None: all)."""
        index = self.source_box.findText(source or ALL_SOURCES, Qt.MatchFlag.MatchExactly)
        if index < 0 and source:
            self.source_box.addItem(source)
            index = self.source_box.count() - 1
        self.source_box.setCurrentIndex(max(0, index))
