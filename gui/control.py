"""The admin's start, stop and restart of a core's server, and the state it is in.

Qt-free (the window and tests use it). :class:`ServerControl` adds the two
states an admin sees that the server itself does not have: ``restarting`` (a
stop followed by a start) and ``failed`` (the last start raised; ``error``
says why and what to do). The rest (``starting``, ``running``, ``stopping``,
``stopped``) mirror :attr:`ServerInstance.state`. The work itself is
:meth:`ServerCore.stop_server` / :meth:`ServerCore.start_server`; this class
serialises the requests and says how they went.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from gui.core import ServerCore
from gui.profile_lock import ProfileLocked
from gui.server.state import ControlState, ServerState

log = logging.getLogger(__name__)


Listener = Callable[[str], None]


class ServerControl:
    """The window's handle on the core's server.

    Attributes:
        core: The :class:`gui.core.ServerCore`.
        state: A :class:`gui.server.state.ControlState`.
        error: Why the last start failed (``None`` unless the state is FAILED).
    """

    def __init__(self, core: ServerCore) -> None:
        self.core = core
        self.error: str | None = None
        self._restarting = False
        self._failed = False
        self._listeners: list[Listener] = []
        self._busy: asyncio.Lock | None = None
        self.state = self._compute()
        core.server.on_change(self._on_server)

    # -- notifications ---------------------------------------------------------
    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(state)`` whenever :attr:`state` changes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _on_server(self, what: str, value: object) -> None:
        if what == "state":
            self._update()

    def _compute(self) -> ControlState:
        if self._failed:
            return ControlState.FAILED
        if self._restarting:
            return ControlState.RESTARTING
        return ControlState(self.core.server.state)

    def _update(self) -> None:
        state = self._compute()
        if state == self.state:
            return
        self.state = state
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:
                log.exception("server state listener %r failed", listener)

    def _lock(self) -> asyncio.Lock:
        if self._busy is None:
            self._busy = asyncio.Lock()
        return self._busy

    def report_failure(self, error: str) -> None:
        """Show the server as failed with ``error`` (the crash-loop guard gave up).

        It stays so until the admin starts the server.
        """
        self.error = error
        self._failed = True
        self._update()

    # -- actions ---------------------------------------------------------------
    async def start_core(self, *, server: bool = True) -> bool:
        """First start: the runtime, the server, then every plugin. Returns success.

        ``server=False`` (a first run) starts the runtime and the marketplace only;
        :meth:`start` starts the server and its plugins later.
        """
        async with self._lock():
            return await self._guarded(lambda: self.core.start(server=server))

    async def start(self) -> bool:
        """Start a stopped (or failed) server and its plugins. Returns success."""
        async with self._lock():
            return await self._start()

    async def stop(self) -> None:
        """Stop the server; plugins get on-unload first."""
        async with self._lock():
            await self._stop()

    async def restart(self) -> bool:
        """Stop, then start again. Returns whether the start succeeded."""
        async with self._lock():
            self._restarting = True
            self._update()
            try:
                await self._stop()
                return await self._start()
            finally:
                self._restarting = False
                self._update()

    async def _stop(self) -> None:
        await self.core.stop_server()

    async def _start(self) -> bool:
        if self.core.server.state is not ServerState.STOPPED:
            return self.core.server.state is ServerState.RUNNING
        return await self._guarded(self.core.start_server)

    async def _guarded(self, work: Callable[[], Any]) -> bool:
        self._failed = False
        self.error = None
        self._update()
        try:
            await work()
        except Exception as exc:
            log.exception("server start failed")
            server_dir = self.core.server.server_dir
            self.error = (f"The server did not start: {exc}. Check {server_dir} "
                          "(server.properties, logs/latest.log), then press Start.")
            if isinstance(exc, ProfileLocked):  # nothing in the server dir to check
                self.error = f"The server did not start: {exc}. Then press Start."
            self._failed = True
            self._update()
            return False
        self._update()
        return True
