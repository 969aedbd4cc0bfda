"""``server.properties`` as a typed form: one field per setting of ServerConfig.

The form is built from :class:`gui.server.config.ServerConfig`'s fields and
their metadata: booleans become check boxes, whole numbers spin boxes with
the allowed range, settings with a fixed set of values combo boxes, text
line edits. Keys the class does not type are kept untouched on save.
Reading and writing the file happen on a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.server.config import PROPERTIES_FILE, ServerConfig
from gui.server.state import ServerState
from gui.ui.tasks import TaskRunner

INT_MAX = 2**31 - 1
SECRET_KEYS = ("rcon.password",)


class ServerSettingsForm(QWidget):
    """Edit and save ``server.properties``.

    Signals:
        saved(str): where it was saved.
        restartRequested(): the admin pressed "Restart the server now".
    """

    saved = Signal(str)
    restartRequested = Signal()

    def __init__(self, server: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self._tasks = tasks
        self.path: Path = Path(server.server_dir) / PROPERTIES_FILE
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for spec in fields(ServerConfig):
            meta = spec.metadata
            if "key" not in meta:
                continue
            editor = self._editor(spec.type, meta)
            editor.setToolTip(f"{meta['key']} in {PROPERTIES_FILE}")
            self.editors[spec.name] = editor
            form.addRow(meta["key"], editor)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.revert_button = QPushButton("Revert")
        self.restart_button = QPushButton("Restart the server now")
        self.restart_button.setVisible(False)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.load)
        self.restart_button.clicked.connect(self.restartRequested.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.restart_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        intro = QLabel(f"The server's settings, saved to <code>{self.path}</code>. Changes "
                       "apply when the server (re)starts.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._extra: dict[str, str] = {}
        self.show_config(server.config)

    @staticmethod
    def _editor(kind: Any, meta: Any) -> QWidget:
        if kind in (bool, "bool"):
            return QCheckBox()
        if kind in (int, "int"):
            box = QSpinBox()
            box.setRange(meta.get("lo") if meta.get("lo") is not None else 0,
                         meta.get("hi") if meta.get("hi") is not None else INT_MAX)
            box.setGroupSeparatorShown(False)
            return box
        if meta.get("choices"):
            combo = QComboBox()
            combo.addItems(list(meta["choices"]))
            return combo
        line = QLineEdit()
        if meta["key"] in SECRET_KEYS:
            line.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        return line

    # -- values ------------------------------------------------------------------------
    def show_config(self, config: ServerConfig) -> None:
        self._extra = dict(config.extra)
        for name, editor in self.editors.items():
            value = getattr(config, name)
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentText(str(value))
            elif isinstance(editor, QLineEdit):
                editor.setText(str(value))

    def config(self) -> ServerConfig:
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentText()
            elif isinstance(editor, QLineEdit):
                values[name] = editor.text()
        return replace(ServerConfig(), extra=dict(self._extra), **values)

    # -- disk (worker thread) -------------------------------------------------------------
    def load(self) -> None:
        async def read() -> ServerConfig:
            return await asyncio.to_thread(ServerConfig.load, self.path)

        self._tasks.start(read(), f"Reading {self.path}", on_done=self.show_config)

    def save(self) -> None:
        config = self.config()

        async def write() -> None:
            await asyncio.to_thread(config.save, self.path)

        def done(_: object) -> None:
            running = self.server.state is ServerState.RUNNING
            self.status.setText(f"Saved to {self.path}." + (
                " Restart the server to apply the changes." if running else ""))
            self.restart_button.setVisible(running)
            self.saved.emit(str(self.path))

        self.save_button.setEnabled(False)
        task = self._tasks.start(write(), f"Saving {self.path}", on_done=done)
        if task is not None:
            task.add_done_callback(lambda _t: self.save_button.setEnabled(True))
