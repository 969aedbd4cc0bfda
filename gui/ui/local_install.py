"""Adding .wasm files picked in the file dialog or dropped on the window.

A local file goes through the marketplace's install pipeline
(``market.install_file``: verify, inspect, review, commit, load), minus the
download: the permission dialog opens at the review step as for any
install. A file no trusted source signed needs an explicit choice; the
admin is asked (they just dropped it, so the question is theirs) and the
install is retried with ``allow_unsigned``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from gui.market import InstallError
from gui.ui.review import Reviewer
from gui.ui.tasks import TaskRunner


class LocalInstaller:
    """Installs local .wasm files in the background."""

    def __init__(self, core: Any, tasks: TaskRunner, reviewer: Reviewer, parent: QWidget,
                 on_installed: Callable[[str], None] = lambda _name: None) -> None:
        self.core = core
        self.market = getattr(core, "market", None)
        self._tasks = tasks
        self._reviewer = reviewer
        self._parent = parent
        self._on_installed = on_installed
        self.question: QMessageBox | None = None

    def install(self, paths: list[Path]) -> None:
        for path in paths:
            self.install_one(Path(path))

    def install_one(self, path: Path, *, allow_unsigned: bool | None = None) -> None:
        if path.suffix.lower() != ".wasm":
            self._tasks.failed.emit(f"Adding {path.name}", f"{path.name} is not a .wasm file; "
                                    "pick a WebAssembly plugin")
            return
        if self.market is None:
            self._tasks.start(self._add_plain(path), f"Adding {path.name}",
                              on_done=self._on_installed)
            return
        self._tasks.start(self._install(path, allow_unsigned), f"Adding {path.name}",
                          on_done=lambda result: self._installed(result, path))

    async def _install(self, path: Path, allow_unsigned: bool | None) -> Any:
        try:
            return await self.market.install_file(path, self._reviewer.review, None,
                                                  allow_unsigned=allow_unsigned)
        except InstallError as error:
            if error.step == "verify" and allow_unsigned is None:
                return error  # not signed by a trusted source: ask, then try again
            raise

    def _installed(self, result: Any, path: Path) -> None:
        if isinstance(result, InstallError):
            self._ask(result, path)
        elif result.outcome != "declined":
            self._on_installed(result.name)

    def _ask(self, error: InstallError, path: Path) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, f"Install {path.name} anyway?",
                          f"{path.name} is not signed by a source you trust:\n\n"
                          f"{error.reason}\n\nInstall it anyway? Its "
                          "permissions are still reviewed before it runs.", parent=self._parent)
        anyway = box.addButton("Install anyway", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda clicked: clicked is anyway
                                  and self.install_one(path, allow_unsigned=True))
        self.question = box
        box.open()

    async def _add_plain(self, path: Path) -> str:
        plugin = await self.core.plugins.add(path)
        return str(plugin.name)
