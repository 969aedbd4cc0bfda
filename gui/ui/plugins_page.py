"""The Plugins page: the installed plugins, their details, and adding a .wasm.

Left: the list with state and signature badges, and "Add .wasm…". A .wasm
dropped anywhere on the page, or picked in the file dialog, goes through
the same install pipeline as the marketplace (see :class:`PluginInstaller`).
Right: :class:`PluginDetails`; its buttons run here as background tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.plugins import PluginState
from gui.plugins.notices import PluginStateChanged, PluginStatusChanged
from gui.settings import save_http_hosts
from gui.ui.bridge import CoreEvents
from gui.ui.http_hosts_dialog import HttpHostsDialog
from gui.ui.plugin_details import (
    DISABLE,
    ENABLE,
    HOSTS,
    OPEN_DATA,
    PERMISSIONS,
    RELOAD,
    REVIEW_UPDATE,
    ROLLBACK,
    UNINSTALL,
    UPDATE,
    PluginDetails,
)
from gui.ui.plugin_list import PluginDelegate, PluginListModel
from gui.ui.tasks import TaskRunner

S = PluginState
REFRESH_MS = 1000
Uninstaller = Callable[[str, bool], Coroutine[Any, Any, Any]]


class PluginsPage(QWidget):
    """Installed plugins: list, details, actions, add by file or drop.

    Signals:
        permissionsRequested(str): the admin asked to change a plugin's permissions.
        updateReviewRequested(str): ... to review a plugin's held update.
        updateRequested(str): ... to update a plugin from its source.
        rollbackRequested(str): ... to go back to the previous version.
        filesDropped(list): .wasm paths to install (dropped or picked).
    """

    permissionsRequested = Signal(str)
    updateReviewRequested = Signal(str)
    updateRequested = Signal(str)
    rollbackRequested = Signal(str)
    filesDropped = Signal(object)

    def __init__(self, core: Any, events: CoreEvents, tasks: TaskRunner, *,
                 signer: Callable[[str], str | None] = lambda _name: None,
                 can_update: Callable[[str], bool] = lambda _name: False,
                 can_roll_back: Callable[[str], bool] = lambda _name: False,
                 update_to: Callable[[str], str | None] = lambda _name: None,
                 uninstaller: Uninstaller | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.manager = core.plugins
        self._tasks = tasks
        self._uninstaller = uninstaller or (
            lambda name, keep_data: self.manager.remove(name, keep_data=keep_data))
        self.model = PluginListModel(self.manager, events, signer, self, update_to=update_to)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setItemDelegate(PluginDelegate(self.list))
        self.list.setAccessibleName("Installed plugins")
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.model.modelReset.connect(self._restore_selection)
        self.add_button = QPushButton("Add .wasm…")
        self.add_button.setToolTip("Install a plugin file (you can also drop .wasm files "
                                   "on this page)")
        self.add_button.clicked.connect(self.pick_files)
        self.empty = QLabel("No plugins yet. Add a .wasm, drop one here, or install one "
                            "from the Marketplace.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Installed plugins</b>"), 1)
        header.addWidget(self.add_button)
        left_layout.addLayout(header)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.empty)
        drop_hint = QLabel("Drop .wasm files here to install them.")
        drop_hint.setStyleSheet("color: palette(placeholder-text);")
        left_layout.addWidget(drop_hint)

        permissions = self._permissions = getattr(core, "permissions", None)
        paths = getattr(core, "paths", None)
        self._config_file = paths.config_file if paths is not None else None
        self.details = PluginDetails(
            signer, can_update, can_roll_back, update_to=update_to,
            # Asked each time: a changed config.toml gives the service a new policy.
            reach=(lambda name, permission: permissions.policy.reach(name, permission))
            if permissions is not None else (lambda _name, _permission: ""))
        self.details.actionRequested.connect(self.run_action)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.details)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([380, 620])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.setAcceptDrops(True)
        self._selected: str | None = None
        events.when(PluginStateChanged, self._state_changed)
        events.when(PluginStatusChanged, self._status_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._update_empty()
        if self.model.rowCount():
            self.select(self.model.names()[0])

    # -- selection -------------------------------------------------------------------
    def selected(self) -> str | None:
        return self._selected

    def select(self, name: str) -> bool:
        row = self.model.row_of(name)
        if row < 0:
            return False
        self.list.selectionModel().setCurrentIndex(
            self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return True

    def _show_current(self) -> None:
        index = self.list.currentIndex()
        name = self.model.names()[index.row()] if index.isValid() else None
        self._selected = name
        self.details.show_plugin(self.manager.plugins.get(name) if name else None)

    def _restore_selection(self) -> None:
        self._update_empty()
        if self._selected and self.select(self._selected):
            return
        renamed = self.details.plugin  # a plugin may rename itself after get-metadata
        if renamed is not None and self.select(renamed.name):
            return
        if self.model.rowCount():
            self.select(self.model.names()[0])
        else:
            self._selected = None
            self.details.show_plugin(None)

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty.setVisible(empty)

    def _state_changed(self, notice: PluginStateChanged) -> None:
        if self.details.plugin is not None and self.details.plugin.name == notice.plugin:
            self.details.refresh()

    def _status_changed(self, notice: PluginStatusChanged) -> None:
        if self.details.plugin is not None and self.details.plugin.name == notice.status.plugin:
            self.details.status_view.show_status(notice.status)

    def _tick(self) -> None:
        if self.isVisible() and self.details.plugin is not None:
            self.details.refresh()

    # -- actions -----------------------------------------------------------------------
    def run_action(self, action: str, name: str | None = None) -> None:
        name = name or self._selected
        if name is None:
            return
        manager = self.manager
        if action == ENABLE:
            self._tasks.start(manager.enable(name), f"Enabling {name}")
        elif action == DISABLE:
            self._tasks.start(manager.disable(name), f"Disabling {name}")
        elif action == RELOAD:
            self._tasks.start(manager.reload(name), f"Reloading {name}")
        elif action == UNINSTALL:
            self.confirm_uninstall(name)
        elif action == OPEN_DATA:
            self._tasks.start(self._open_data(name), f"Opening the data folder of {name}")
        elif action == PERMISSIONS:
            self.permissionsRequested.emit(name)
        elif action == UPDATE:
            self.updateRequested.emit(name)
        elif action == ROLLBACK:
            self.rollbackRequested.emit(name)
        elif action == REVIEW_UPDATE:
            self.updateReviewRequested.emit(name)
        elif action == HOSTS:
            self.edit_hosts(name)

    def edit_hosts(self, name: str) -> HttpHostsDialog | None:
        """Ask for the hosts ``name``'s http.outbound reaches; save them when accepted."""
        if self._permissions is None or self._config_file is None:
            return None
        plugin = self.manager.plugins.get(name)
        granted = plugin is not None and "http.outbound" in plugin.scope.granted
        dialog = HttpHostsDialog(name, tuple(sorted(self._permissions.policy.http_hosts(name))),
                                 granted=granted, parent=self)
        dialog.accepted.connect(lambda: self._tasks.start(
            self._save_hosts(name, dialog.hosts()), f"Saving the hosts of {name}"))
        dialog.open()
        return dialog

    async def _save_hosts(self, name: str, hosts: list[str]) -> None:
        # The server's settings watcher applies the file and reloads the plugin.
        await asyncio.to_thread(save_http_hosts, self._config_file, name, hosts)

    def restart(self, name: str) -> None:
        """Restart a plugin, whatever happened to it (the notification's Restart)."""
        plugin = self.manager.plugins.get(name)
        if plugin is None:
            return
        if plugin.lifecycle.state in (S.QUARANTINED, S.DISABLED, S.FAILED):
            self._tasks.start(self.manager.enable(name), f"Restarting {name}")
        else:
            self._tasks.start(self.manager.reload(name), f"Restarting {name}")

    def confirm_uninstall(self, name: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, f"Uninstall {name}",
                          f"Uninstall {name}? It gets on-unload, then its file is removed.\n\n"
                          f"Its data folder can stay (to reinstall it later) or go.", parent=self)
        keep = box.addButton("Uninstall, keep data", QMessageBox.ButtonRole.AcceptRole)
        delete = box.addButton("Uninstall and delete data", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)

        def answered(clicked: Any) -> None:
            if clicked in (keep, delete):
                self.uninstall(name, keep_data=clicked is keep)

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def uninstall(self, name: str, *, keep_data: bool) -> None:
        self._tasks.start(self._uninstaller(name, keep_data), f"Uninstalling {name}")

    async def _open_data(self, name: str) -> None:
        plugin = self.manager.get(name)
        folder: Path = plugin.scope.data_dir
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            raise RuntimeError(f"no file manager could open {folder}; open it yourself")

    # -- adding ------------------------------------------------------------------------
    def pick_files(self) -> QFileDialog:
        dialog = QFileDialog(self, "Add plugins", str(Path.home()),
                             "WebAssembly plugins (*.wasm)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda files: self.filesDropped.emit(
            [Path(f) for f in files]))
        dialog.open()
        return dialog

    @staticmethod
    def wasm_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls()
                if url.isLocalFile() and url.toLocalFile().lower().endswith(".wasm")]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.wasm_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self.wasm_paths(event)
        if paths:
            event.acceptProposedAction()
            self.filesDropped.emit(paths)
