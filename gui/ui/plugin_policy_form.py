"""The ``[plugins]`` settings: permission policy and plugin limits.

Allowed and blocked permission lists (one name, ``prefix.*`` or ``*`` per
line), whether to ask for confirmation, whether unsigned plugins may be
installed, and the per-plugin limits (memory, deadlines). Backed by
:class:`gui.settings.AppSettings` (``config.toml``), read and written on a
worker thread; unknown names are pointed out before saving.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.permissions.catalogue import CATALOGUE, ENV_PREFIX
from gui.settings import AppSettings
from gui.ui.tasks import TaskRunner


def parse_names(text: str) -> tuple[list[str], list[str]]:
    """Names from a text box (lines or commas) and the ones this host does not know."""
    names = [n.strip() for chunk in text.splitlines() for n in chunk.split(",") if n.strip()]
    unknown = [n for n in names if not _known(n)]
    return names, unknown


def _known(name: str) -> bool:
    if name == "*" or name in CATALOGUE or name.startswith(ENV_PREFIX):
        return True
    if name.endswith(".*"):
        prefix = name[:-1]
        return any(known.startswith(prefix) for known in CATALOGUE) or prefix == ENV_PREFIX
    return False


class PluginPolicyForm(QWidget):
    """Edit ``[plugins]`` of ``config.toml``.

    Signals:
        saved(str): where it was saved.
    """

    saved = Signal(str)

    def __init__(self, config_file: Path, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = config_file
        self._tasks = tasks
        self.settings: AppSettings | None = None

        self.allowed = QPlainTextEdit()
        self.blocked = QPlainTextEdit()
        for box, what in ((self.allowed, "granted without asking"),
                          (self.blocked, "never granted (blocked wins)")):
            box.setPlaceholderText(f"One permission per line, {what}; e.g. sys.info or "
                                   "network.*")
            box.setMaximumHeight(90)
        self.ask = QCheckBox("Ask me before granting what a plugin requests")
        self.unsigned = QCheckBox("Allow installing unsigned plugins from sources")
        self.inherit_env = QCheckBox("A granted sys.env.VAR I did not configure may read the "
                                     "app's own VAR")
        policy = QGroupBox("Permission policy")
        policy_form = QFormLayout(policy)
        policy_form.addRow("Allowed", self.allowed)
        policy_form.addRow("Blocked", self.blocked)
        policy_form.addRow(self.ask)
        policy_form.addRow(self.unsigned)
        policy_form.addRow(self.inherit_env)

        self.memory = _spin(1, 1 << 20, " MiB")
        self.load_deadline = _spin(10, 600_000, " ms")
        self.call_deadline = _spin(1, 600_000, " ms")
        limits = QGroupBox("Plugin limits (each plugin)")
        limits_form = QFormLayout(limits)
        limits_form.addRow("Memory", self.memory)
        limits_form.addRow("Load deadline", self.load_deadline)
        limits_form.addRow("Call deadline", self.call_deadline)
        limits_form.addRow(_note("Load: init-plugin, get-metadata, on-load, on-unload. "
                                 "Call: events, commands, tasks. A plugin that runs longer is "
                                 "interrupted and restarted."))

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.revert_button = QPushButton("Revert")
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.load)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(_note(f"Saved to <code>{config_file}</code>. The policy applies at "
                               "once: a running plugin whose permissions it changes reloads. "
                               "Limits apply to plugins loaded after saving (reload a plugin "
                               "or restart the server)."))
        layout.addWidget(policy)
        layout.addWidget(limits)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setEnabled(False)

    def load(self) -> None:
        problems: list[str] = []

        async def read() -> AppSettings:
            return await asyncio.to_thread(AppSettings.load, self.path, warn=problems.append)

        def done(settings: AppSettings) -> None:
            self.show_settings(settings)
            if problems:
                self.status.setText("<span style='color:#c62828'>" + "<br>".join(problems)
                                    + "</span>")

        self._tasks.start(read(), f"Reading {self.path}", on_done=done)

    def show_settings(self, settings: AppSettings) -> None:
        self.settings = settings
        p = settings.plugins
        self.allowed.setPlainText("\n".join(p.allowed_permissions))
        self.blocked.setPlainText("\n".join(p.blocked_permissions))
        self.ask.setChecked(p.ask_permission_confirmation)
        self.unsigned.setChecked(p.allow_unsigned)
        self.inherit_env.setChecked(p.inherit_env)
        self.memory.setValue(p.max_memory_mb)
        self.load_deadline.setValue(p.load_deadline_ms)
        self.call_deadline.setValue(p.call_deadline_ms)
        self.status.clear()
        self.setEnabled(True)

    def values(self) -> dict[str, Any]:
        allowed, _ = parse_names(self.allowed.toPlainText())
        blocked, _ = parse_names(self.blocked.toPlainText())
        return {
            "allowed_permissions": tuple(allowed),
            "blocked_permissions": tuple(blocked),
            "ask_permission_confirmation": self.ask.isChecked(),
            "allow_unsigned": self.unsigned.isChecked(),
            "inherit_env": self.inherit_env.isChecked(),
            "max_memory_mb": self.memory.value(),
            "load_deadline_ms": self.load_deadline.value(),
            "call_deadline_ms": self.call_deadline.value(),
        }

    def save(self) -> None:
        if self.settings is None:
            return
        unknown = [*parse_names(self.allowed.toPlainText())[1],
                   *parse_names(self.blocked.toPlainText())[1]]
        values = self.values()
        warnings: list[str] = []

        def save() -> tuple[Path, AppSettings]:
            # Read afresh: the Schedules page and the Alerts tab write other sections.
            fresh = AppSettings.load(self.path, warn=warnings.append)
            updated = fresh.with_plugins(**values)
            return updated.save(self.path, warn=warnings.append), updated

        async def write() -> tuple[Path, AppSettings]:
            return await asyncio.to_thread(save)

        def done(result: tuple[Path, AppSettings]) -> None:
            path, self.settings = result
            notes = [f"Saved to {path}.", *warnings]
            if unknown:
                notes.append("Not permission names this host knows (kept anyway, check the "
                              "spelling): " + ", ".join(unknown))
            self.status.setText("<br>".join(notes))
            self.saved.emit(str(path))

        self._tasks.start(write(), f"Saving {self.path}", on_done=done)


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setGroupSeparatorShown(True)
    return box


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label
