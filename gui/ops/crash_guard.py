"""The crash-loop guard: restart the server after an unexpected failure, but not forever.

When the server loop fails (the tick loop dies of an exception; any other
part may call :meth:`CrashGuard.report`), the guard writes the traceback to
the console, publishes :class:`ServerCrashed`, stops the server (plugins
get on-unload), waits a backoff and starts it again. A failure that is the
``max_restarts + 1``-th within ``window_s`` seconds leaves the server
stopped, with the reason on the console and in the notice, until the admin
starts it (which clears the count). The clock and the sleep are injectable,
so tests run ten minutes of failures without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable

from gui.ops.config import GuardSettings
from gui.ops.notices import OpsNotice, ServerCrashed
from gui.server.instance import ServerInstance

log = logging.getLogger(__name__)

SOURCE = "server"


class CrashGuard:
    """Restarts a failed server with backoff; gives up after too many failures.

    Attributes:
        gave_up: Why the server stays stopped (None while the guard still restarts).
        failures: Times of the recent failures (clock seconds).
    """

    def __init__(self, server: ServerInstance, *, stop: Callable[[], Awaitable[object]],
                 start: Callable[[], Awaitable[object]],
                 settings: GuardSettings | None = None,
                 publish: Callable[[OpsNotice], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """Watch ``server`` (a ServerInstance).

        Args:
            server: Its tick loop is watched; its console gets the reports.
            stop: Stops the server and unloads plugins (ServerCore.stop_server).
            start: Starts it and its plugins (ServerCore.start_server).
            settings: ``[crash_guard]``.
            publish: Called with each :class:`ServerCrashed`.
            clock: Seconds, for the failure window.
            sleep: Waits the backoff.
        """
        self.server = server
        self.settings = settings or GuardSettings()
        self._stop, self._start = stop, start
        self._publish = publish or (lambda _notice: None)
        self.clock, self.sleep = clock, sleep  # public: tests inject their own
        self.failures: deque[float] = deque()
        self.gave_up: str | None = None
        self._handling: asyncio.Task[None] | None = None
        self._restarting = False
        self._pending: list[tuple[str, BaseException]] = []
        server.ticks.on_failure(lambda exc: self.report("the tick loop", exc))
        server.on_change(self._server_changed)

    @property
    def busy(self) -> bool:
        """Whether a restart is under way."""
        return self._handling is not None and not self._handling.done()

    def _server_changed(self, what: str, value: object) -> None:
        # A start the guard did not ask for is the admin's: the count starts afresh.
        if what == "state" and value == "starting" and not self._restarting:
            self.failures.clear()
            self.gave_up = None

    def report(self, part: str, exc: BaseException) -> None:
        """``part`` of the server failed with ``exc``: restart it, or give up.

        Safe to call from a done-callback. A failure reported while a restart
        is under way (the new server failed as it came up) is handled after it.
        """
        self._pending.append((part, exc))
        if not self.busy:
            self._handling = asyncio.get_running_loop().create_task(
                self._handle_all(), name="crash-guard")

    async def _handle_all(self) -> None:
        while self._pending:
            part, exc = self._pending.pop(0)
            await self._handle(part, exc)

    async def _handle(self, part: str, exc: BaseException) -> None:
        console = self.server.console
        now = self.clock()
        window = self.settings.window_s
        while self.failures and self.failures[0] <= now - window:
            self.failures.popleft()
        self.failures.append(now)
        count = len(self.failures)
        trace = "".join(traceback.format_exception(exc)).rstrip()
        error = f"{type(exc).__name__}: {exc}"
        gave_up = count > self.settings.max_restarts
        backoff = self.settings.backoff_s
        delay = None if gave_up else backoff[min(count - 1, len(backoff) - 1)]
        console.error(SOURCE, f"The server failed unexpectedly ({part}: {error})\n{trace}")
        if gave_up:
            times = "once" if count == 1 else f"{count} times"
            self.gave_up = (f"The server failed {times} within {window / 60:g} minutes "
                            f"(last: {part}: {error}) and stays stopped. Look at the traceback "
                            "on the console, fix the cause, then start it.")
            console.error(SOURCE, self.gave_up)
        else:
            console.warn(SOURCE, f"Restarting the server in {delay:g} s (failure {count} of "
                                 f"{self.settings.max_restarts + 1} allowed within "
                                 f"{window / 60:g} minutes)")
        self._publish(ServerCrashed(part, error, trace, delay, gave_up, count))
        self._restarting = True
        try:
            await self._stop()
            if delay is None:
                return
            await self.sleep(delay)
            await self._start()
        except Exception as failure:
            log.exception("restarting the server after a crash failed")
            self.gave_up = (f"The server failed ({part}: {error}) and did not start again: "
                            f"{failure}. Fix the cause, then start it.")
            console.error(SOURCE, self.gave_up)
            self._publish(ServerCrashed(part, error, trace, None, True, count))
        finally:
            self._restarting = False

    async def close(self) -> None:
        """Cancel a restart under way (the app is shutting down)."""
        if self._handling is not None and not self._handling.done():
            self._handling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._handling
