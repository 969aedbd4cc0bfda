"""A command line with history (Up / Down) and completion (Tab).

Completion asks a function for whole-line candidates (the server's
``dispatcher.complete``, which knows the built-in commands and every
plugin-registered one, their literals and player names). Tab with one
candidate completes it; with several it extends the common prefix and
lists them in a popup.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QEvent, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

HISTORY = 200
Completer = Callable[[str], list[str]]


class CommandLine(QLineEdit):
    """Type a command, press Enter.

    Signals:
        submitted(str): a non-empty command line was entered.
    """

    submitted = Signal(str)

    def __init__(self, complete: Completer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._complete = complete
        self.history: list[str] = []
        self._position = 0  # index into history; len(history) means "the line being typed"
        self._draft = ""
        self.setPlaceholderText("Type a command (Tab completes, ↑/↓ history), e.g. help")
        self.setClearButtonEnabled(True)
        self._model = QStringListModel(self)
        self.completer_popup = QCompleter(self._model, self)
        self.completer_popup.setCompletionMode(
            QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_popup.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_popup.setWidget(self)
        self.completer_popup.activated.connect(self._accept_completion)
        self.returnPressed.connect(self._submit)
        self.textEdited.connect(self._refresh_popup)

    # -- submitting and history --------------------------------------------------
    def _submit(self) -> None:
        line = self.text().strip()
        if not line:
            return
        if not self.history or self.history[-1] != line:
            self.history.append(line)
            del self.history[:-HISTORY]
        self._position = len(self.history)
        self._draft = ""
        self.clear()
        self.submitted.emit(line)

    def _recall(self, step: int) -> None:
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.text()
        self._position = max(0, min(len(self.history), self._position + step))
        self.setText(self._draft if self._position == len(self.history)
                     else self.history[self._position])

    # -- completion ----------------------------------------------------------------
    def candidates(self) -> list[str]:
        try:
            return self._complete(self.text())
        except Exception:  # completion must never break typing
            return []

    def complete_now(self) -> list[str]:
        """What Tab does; returns the candidates it found."""
        options = self.candidates()
        if len(options) == 1:
            self.setText(options[0] + " ")
            self.completer_popup.popup().hide()
        elif options:
            prefix = os.path.commonprefix(options)  # noqa: RUF071 (whole lines, not paths)
            if len(prefix) > len(self.text()):
                self.setText(prefix)
            self._show(options)
        return options

    def _show(self, options: list[str]) -> None:
        self._model.setStringList(options[:100])
        self.completer_popup.complete()

    def _refresh_popup(self) -> None:
        if self.completer_popup.popup().isVisible():
            options = self.candidates()
            if options:
                self._show(options)
            else:
                self.completer_popup.popup().hide()

    def _accept_completion(self, text: str) -> None:
        self.setText(text + " ")

    # -- keys ------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Tab would move the focus; here it completes.
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Tab):
            self.complete_now()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.completer_popup.popup().isVisible():
            if event.key() == Qt.Key.Key_Up:
                self._recall(-1)
                return
            if event.key() == Qt.Key.Key_Down:
                self._recall(+1)
                return
        super().keyPressEvent(event)
