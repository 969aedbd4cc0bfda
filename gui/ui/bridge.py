"""The core's callbacks as Qt signals, delivered on the GUI thread.

The Qt-free core reports through plain callbacks: :meth:`ConsoleLog.subscribe`
(called on whichever thread wrote the line), :meth:`ServerInstance.on_change`,
:meth:`PluginManager.subscribe` and :meth:`ServerControl.on_change` (all on
the server loop, which is the GUI thread). Views never subscribe to the core
directly; they connect to these signals.

Console lines are buffered in a deque (appends are thread-safe) and
delivered in batches every 100 ms: a chat flood of 2,000 lines a second
then costs each view 10 updates (and repaints) a second, not 2,000. The other callbacks emit
at once; should one ever arrive on another thread, Qt queues the signal to
the receivers' thread by itself.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from gui.server.console import ConsoleLine

FLUSH_MS = 100


class ConsoleFeed(QObject):
    """New console lines, in batches.

    Signals:
        linesArrived(list[ConsoleLine]): lines written since the last batch, in order.
    """

    linesArrived = Signal(object)

    def __init__(self, console: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self._pending: deque[ConsoleLine] = deque()
        self._unsubscribe = console.subscribe(self._pending.append)
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def history(self) -> list[ConsoleLine]:
        """The lines already delivered: a new view starts with these, then connects.

        Pending lines are flushed first (to the views already connected), so
        they are not in the new view twice.
        """
        self.flush()
        return list(self.console.history)

    def flush(self) -> None:
        if not self._pending:
            return
        batch: list[ConsoleLine] = []
        pending = self._pending
        while pending:
            batch.append(pending.popleft())
        self.linesArrived.emit(batch)

    def close(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        self.flush()


class CoreEvents(QObject):
    """Server, plugin and server-control changes as signals.

    Signals:
        serverChanged(str, object): ``what`` and value from ServerInstance.on_change
            (``"state"``, ``"player-joined"``, ``"player-left"``).
        controlStateChanged(str): the admin-facing server state (see ServerControl).
        pluginNotice(object): every notice of the plugin manager
            (gui/plugins/notices.py), on the GUI thread; :meth:`when` connects
            a slot to one kind. A new kind of notice needs nothing here.
    """

    serverChanged = Signal(str, object)
    controlStateChanged = Signal(str)
    pluginNotice = Signal(object)

    def __init__(self, core: Any, control: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = [
            core.server.on_change(self._on_server),
            core.plugins.subscribe(self._on_notice),
            control.on_change(self.controlStateChanged.emit),
        ]

    def _on_server(self, what: str, value: object) -> None:
        self.serverChanged.emit(what, value)

    def _on_notice(self, notice: object) -> None:
        self.pluginNotice.emit(notice)

    def when(self, kind: type, slot: Callable[[Any], object]) -> None:
        """Call ``slot(notice)`` for each plugin notice of ``kind``."""
        self.pluginNotice.connect(lambda notice: slot(notice) if isinstance(notice, kind)
                                  else None)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            with contextlib.suppress(ValueError):  # already gone
                unsubscribe()
        self._unsubscribe = []
