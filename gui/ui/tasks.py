"""Background work for the window: core coroutines run as asyncio tasks.

The server's loop is the GUI loop (qasync), so a click starts a task and
returns at once; the task awaits the runtime thread, the compile pool or a
worker thread, never the GUI thread. A failure is never lost: it becomes a
``failed`` signal whose message names what was being done, which the
notification centre shows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.errors import PumpkinPatchError

log = logging.getLogger(__name__)


class TaskRunner(QObject):
    """Starts and tracks the window's tasks.

    Signals:
        failed(str, str): what was being done (e.g. "Reloading crashy") and why it failed.
        busyChanged(int): how many tasks are running.
    """

    failed = Signal(str, str)
    busyChanged = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[asyncio.Task[Any], str] = {}
        self._closed = False

    @property
    def running(self) -> list[str]:
        """What the running tasks are doing."""
        return list(self._tasks.values())

    def start(self, coro: Coroutine[Any, Any, Any], what: str,
              on_done: Callable[[Any], None] | None = None) -> asyncio.Task[Any] | None:
        """Run ``coro``; ``on_done(result)`` is called on success.

        Args:
            coro: The work.
            what: A short description for messages ("Reloading crashy").
            on_done: Called with the result, on the GUI thread.

        Returns:
            The task, or ``None`` when the window is shutting down.
        """
        if self._closed:
            coro.close()
            return None
        task = asyncio.get_running_loop().create_task(coro, name=what)
        self._tasks[task] = what
        self.busyChanged.emit(len(self._tasks))

        def finished(done: asyncio.Task[Any]) -> None:
            self._tasks.pop(done, None)
            self.busyChanged.emit(len(self._tasks))
            if done.cancelled():
                return
            exc = done.exception()
            if isinstance(exc, PumpkinPatchError):  # meant for the admin: the message says it
                log.error("%s failed: %s", what, exc)
                self.failed.emit(what, str(exc))
            elif exc is not None:  # a bug: the traceback goes to the log
                log.error("%s failed", what, exc_info=exc)
                self.failed.emit(what, str(exc) or type(exc).__name__)
            elif on_done is not None:
                on_done(done.result())

        task.add_done_callback(finished)
        return task

    async def close(self) -> None:
        """Cancel every task and wait for them (the shutdown path)."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
