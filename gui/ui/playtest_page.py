"""The Playtest page: virtual players for plugin developers.

Add and remove virtual players, chat or run commands as one of them, and
read what comes back: every message a virtual player receives (console
source ``playtest``: ``NAME <- KIND: TEXT``), what plugins log, and the
server's warnings. Everything goes through the ``playtest`` console
commands, the same ones a script types in ``--headless``.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.server.console import ConsoleLine
from gui.server.players import PlaytestConnection, is_valid_name
from gui.server.state import ServerState
from gui.ui.bridge import ConsoleFeed, CoreEvents
from gui.ui.command_line import CommandLine
from gui.ui.tasks import TaskRunner

TRANSCRIPT_LINES = 3000
CATCH_UP = 300
_DELIVERY = re.compile(r"^(?P<name>\w+) <- (?P<kind>\w+): (?P<text>.*)$", re.S)
KIND_COLOURS = {"chat": "#212121", "system": "#8d6e00", "feedback": "#00695c", "kick": "#c62828"}


class PlaytestPage(QWidget):
    """Virtual players and their transcript."""

    def __init__(self, core: Any, feed: ConsoleFeed, events: CoreEvents, tasks: TaskRunner,
                 parent: QWidget | None = None, *,
                 run_command: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.server = core.server
        self._tasks = tasks
        # The window's console runner (commands in order); alone, run each as a task.
        self._run_command = run_command or (
            lambda line, what: tasks.start(self.server.execute_console(line), what))

        self.name = QLineEdit()
        self.name.setPlaceholderText("Name, e.g. Alice")
        self.name.setMaxLength(16)
        self.add = QPushButton("Add player")
        self.remove = QPushButton("Remove")
        self.players = QListWidget()
        self.players.setAccessibleName("Virtual players")
        self.add.clicked.connect(self.add_player)
        self.name.returnPressed.connect(self.add_player)
        self.remove.clicked.connect(self.remove_player)
        self.players.currentTextChanged.connect(self._pick)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Virtual players</b>"))
        row = QHBoxLayout()
        row.addWidget(self.name, 1)
        row.addWidget(self.add)
        left_layout.addLayout(row)
        left_layout.addWidget(self.players, 1)
        left_layout.addWidget(self.remove)
        hint = QLabel("Virtual players join like real ones: plugins see their join, chat "
                      "and commands. What they receive is shown on the right.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        left_layout.addWidget(hint)

        self.transcript = QPlainTextEdit()
        self.transcript.setReadOnly(True)
        self.transcript.setMaximumBlockCount(TRANSCRIPT_LINES)
        self.transcript.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.transcript.setPlaceholderText("Add a player, then chat or run a command as them.")
        self.speaker = QComboBox()
        self.speaker.setMinimumContentsLength(10)
        self.speaker.setToolTip("Who speaks")
        self.chat_mode = QRadioButton("Chat")
        self.command_mode = QRadioButton("Command")
        self.chat_mode.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.chat_mode)
        modes.addButton(self.command_mode)
        self.input = CommandLine(self._complete)
        self.input.setPlaceholderText("Say something, or pick Command and type e.g. roll 20")
        self.input.submitted.connect(self.send)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(lambda: self.input.returnPressed.emit())

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel("<b>What they see</b> (messages received, plugin logs)"))
        right_layout.addWidget(self.transcript, 1)
        send_row = QHBoxLayout()
        send_row.addWidget(self.speaker)
        send_row.addWidget(self.chat_mode)
        send_row.addWidget(self.command_mode)
        send_row.addWidget(self.input, 1)
        send_row.addWidget(self.send_button)
        right_layout.addLayout(send_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self._backlog: deque[str] = deque(maxlen=CATCH_UP)
        events.serverChanged.connect(lambda _what, _value: self.refresh())
        feed.linesArrived.connect(self.show_lines)
        self.refresh()

    # -- players ---------------------------------------------------------------------
    def virtual_players(self) -> list[str]:
        return sorted((p.name for p in self.server.players
                       if isinstance(p.connection, PlaytestConnection)), key=str.lower)

    def refresh(self) -> None:
        names = self.virtual_players()
        current = self.players.currentItem().text() if self.players.currentItem() else None
        speaker = self.speaker.currentText()
        self.players.clear()
        self.players.addItems(names)
        self.speaker.clear()
        self.speaker.addItems(names)
        for name in (current, speaker):
            if name in names:
                self.speaker.setCurrentText(name)
                self.players.setCurrentRow(names.index(name))
                break
        has = bool(names)
        self.remove.setEnabled(self.players.currentItem() is not None)
        for widget in (self.speaker, self.input, self.send_button):
            widget.setEnabled(has)
        running = self.server.state is ServerState.RUNNING
        self.add.setEnabled(running)
        self.name.setEnabled(running)

    def _pick(self, name: str) -> None:
        if name:
            self.speaker.setCurrentText(name)
        self.remove.setEnabled(bool(name))

    def add_player(self) -> None:
        name = self.name.text().strip()
        if not is_valid_name(name):
            self._note(f"'{name}' is not a valid name: use 1-16 letters, digits or _.", "#c62828")
            return
        self.name.clear()
        self._run(f"playtest join {name}", f"Adding virtual player {name}")

    def remove_player(self) -> None:
        item = self.players.currentItem()
        if item is not None:
            self._run(f"playtest leave {item.text()}", f"Removing virtual player {item.text()}")

    # -- talking ---------------------------------------------------------------------
    def _complete(self, text: str) -> list[str]:
        if not self.command_mode.isChecked():
            return []
        return self.server.dispatcher.complete(text)

    def send(self, text: str) -> None:
        name = self.speaker.currentText()
        if not name:
            return
        if self.command_mode.isChecked():
            line = text.removeprefix("/")
            self._note(f"{name} runs /{line}", "#1565c0")
            self._run(f"playtest run {name} {line}", f"Running /{line} as {name}")
        else:
            self._note(f"{name} says: {text}", "#1565c0")
            self._run(f"playtest chat {name} {text}", f"Chatting as {name}")

    def _run(self, command: str, what: str) -> None:
        self._run_command(command, what)

    # -- transcript ------------------------------------------------------------------
    def show_lines(self, lines: list[ConsoleLine]) -> None:
        plugins = self.core.plugins.plugins
        parts = []
        for line in lines:
            if line.source == "playtest":
                match = _DELIVERY.match(line.message)
                if match:
                    colour = KIND_COLOURS.get(match["kind"], "#212121")
                    parts.append(f"<span style='color:{colour}'><b>{_e(match['name'])}</b> "
                                 f"&lt;- {_e(match['kind'])}: {_e(match['text'])}</span>")
                    continue
                parts.append(_e(line.message))
            elif line.source in plugins:
                colour = {"error": "#c62828", "warn": "#b26a00"}.get(line.level, "#6a1b9a")
                parts.append(f"<span style='color:{colour}'>[{_e(line.source)}] "
                             f"{_e(line.message)}</span>")
            elif line.level in ("warn", "error") and line.source == "server":
                parts.append(f"<span style='color:#b26a00'>{_e(line.message)}</span>")
        self._backlog.extend(parts)
        if self.isVisible():
            self._flush()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._flush()

    def _flush(self) -> None:
        # While hidden, lines wait here; catching up shows only the newest ones.
        backlog = list(self._backlog)[-CATCH_UP:]
        self._backlog.clear()
        for part in backlog:
            self.transcript.appendHtml(part)

    def _note(self, text: str, colour: str) -> None:
        self.transcript.appendHtml(f"<span style='color:{colour}'><i>{_e(text)}</i></span>")


def _e(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")
