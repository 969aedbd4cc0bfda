"""The permission dialog as an awaitable: the ``review`` step of installs and updates.

The marketplace's install pipeline calls ``review(request)`` at the review
step and awaits the granted set (or None to decline). :class:`Reviewer`
answers by opening :class:`gui.ui.permission_dialog.PermissionDialog`
(window-modal, opened with ``open()``, never ``exec()``: the event loop
keeps running) and resolving a future from its signals. The same dialog
edits an installed plugin's grants and reviews a held update, through the
permission service.
"""

from __future__ import annotations

import asyncio
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from gui.market import ReviewDeferred
from gui.permissions.review import ReviewRequest
from gui.ui.permission_dialog import EDIT, INSTALL, PermissionDialog
from gui.ui.tasks import TaskRunner

DIALOG_WIDTH = 760


class Reviewer(QObject):
    """Opens the permission dialog for whoever needs a decision.

    Signals:
        dialogOpened(PermissionDialog): a dialog is shown (tests drive it from here).

    Attributes:
        current: The dialog on screen, if any.
    """

    dialogOpened = Signal(object)

    def __init__(self, parent: QWidget, tasks: TaskRunner,
                 permissions: Any = None) -> None:
        super().__init__(parent)
        self._window = parent
        self._tasks = tasks
        self.permissions = permissions  # gui.permissions.PermissionService
        self.current: PermissionDialog | None = None

    def _open(self, request: ReviewRequest, mode: str) -> PermissionDialog:
        if self.current is not None:
            self.current.reject()
        dialog = PermissionDialog(request, self._window, mode=mode)
        self.current = dialog

        def gone() -> None:
            if self.current is dialog:
                self.current = None
            dialog.deleteLater()

        dialog.finished.connect(gone)
        # Wide enough for the signer's fingerprint in the header and unclipped
        # wrapped text (the dialog's own minimum is 560 px).
        hint = dialog.sizeHint()
        dialog.resize(max(hint.width(), DIALOG_WIDTH), hint.height() + 24)
        dialog.open()
        self.dialogOpened.emit(dialog)
        return dialog

    async def review(self, request: ReviewRequest) -> set[str] | None:
        """The marketplace's ``review`` callable.

        Returns the ticked set, or None when declined. Closing the dialog
        without deciding declines a new plugin (nothing is installed) but
        defers an update (:class:`ReviewDeferred`): it is held, the running
        version keeps serving, and a notification offers the review again.
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[set[str] | None] = loop.create_future()
        dialog = self._open(request, INSTALL)
        update = bool(request.removed) or any(row.change for row in request.rows)

        def settle(value: set[str] | None) -> None:
            if not answer.done():
                answer.set_result(value)

        def closed(_code: int) -> None:
            if not answer.done():
                if update:
                    answer.set_exception(ReviewDeferred())
                else:
                    answer.set_result(None)

        dialog.grantsAccepted.connect(lambda granted: settle(set(granted)))
        dialog.declined.connect(lambda: settle(None))
        dialog.finished.connect(closed)
        try:
            return await answer
        finally:  # cancelled (the app is closing): take the dialog down too
            if shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.reject()

    def edit(self, name: str, *, signature: str = "unknown", signer: str | None = None,
             held_update: bool = False) -> PermissionDialog | None:
        """Change the grants of installed plugin ``name`` (or review its held update)."""
        if self.permissions is None:
            return None
        request = self.permissions.review(name, signature=signature, signer=signer)
        dialog = self._open(request, INSTALL if held_update else EDIT)
        what = "the update of " + name if held_update else name
        dialog.grantsAccepted.connect(lambda granted: self._tasks.start(
            self.permissions.approve(name, granted), f"Approving the permissions of {what}"))
        dialog.declined.connect(lambda: self._tasks.start(
            self.permissions.decline(name), f"Declining {what}"))
        return dialog
