"""The Settings page: server settings, plugin policy and limits, folders."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.ops import backups_dir
from gui.paths import AppPaths
from gui.ui.alerts_form import AlertsForm
from gui.ui.plugin_policy_form import PluginPolicyForm
from gui.ui.server_settings_form import ServerSettingsForm
from gui.ui.tasks import TaskRunner


class FoldersView(QWidget):
    """Where this profile keeps things, each with an Open button."""

    def __init__(self, paths: AppPaths, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        grid = QGridLayout(self)
        rows = [
            ("Settings", paths.config_dir),
            ("Server (server.properties, ops, logs)", paths.server_dir),
            ("Plugins (*.wasm)", paths.plugins_dir),
            ("Plugin data", paths.plugin_data_root),
            ("Plugin logs", paths.plugin_logs_dir),
            ("Compiled plugins (cache)", paths.compile_cache_dir),
            ("Backups", backups_dir(paths)),
        ]
        for row, (label, folder) in enumerate(rows):
            grid.addWidget(QLabel(label), row, 0)
            path = QLabel(f"<code>{folder}</code>")
            path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(path, row, 1)
            button = QPushButton("Open")
            button.clicked.connect(lambda _=False, f=folder: self.open(f))
            grid.addWidget(button, row, 2)
        if paths.temporary:
            grid.addWidget(QLabel("<b>This is a throw-away profile (--temp-basedir): "
                                  "everything here is deleted on exit.</b>"), len(rows), 0, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(rows) + 1, 1)

    def open(self, folder: Path) -> None:
        async def open_folder() -> None:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
                raise RuntimeError(f"no file manager could open {folder}; open it yourself")

        self._tasks.start(open_folder(), f"Opening {folder}")


class SettingsPage(QWidget):
    """Tabs: Server, Plugins & permissions, Folders."""

    def __init__(self, core: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server_form = ServerSettingsForm(core.server, tasks)
        self.policy_form = PluginPolicyForm(core.paths.config_file, tasks)
        self.folders = FoldersView(core.paths, tasks)
        self.alerts_form = AlertsForm(core.ops, tasks)
        self.tabs = QTabWidget()
        for widget, title in ((self.server_form, "Server"),
                              (self.policy_form, "Plugins && permissions"),
                              (self.alerts_form, "Alerts"),
                              (self.folders, "Folders")):
            if widget is not self.folders:
                widget.setMaximumWidth(820)  # forms read badly stretched over 1920 px
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(widget)
            scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.tabs.addTab(scroll, title)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._loaded = False

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._loaded:  # read the files when first looked at, on a worker thread
            self._loaded = True
            self.server_form.load()
            self.policy_form.load()
