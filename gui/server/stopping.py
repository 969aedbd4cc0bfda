"""The time-out of a graceful stop, and what held a forced one up.

:class:`StopDeadline` gives each part of a stop (the before-stop hooks:
plugin unloading, ...; then the players' leave events) what is left of
``[stop] timeout_s``. The first part still busy at the deadline is
cancelled and named on the console (a hook can say more precisely what it
was busy with, e.g. which plugin's on-unload); the parts after it get no
time at all, since the stop is late already.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StopHook:
    """Work awaited at the start of every stop (see ServerInstance.before_stop)."""

    hook: Callable[[], Awaitable[Any]]
    name: str
    holder: Callable[[], str | None] | None = None


class StopDeadline:
    """One stop's deadline.

    Attributes:
        forced: What held the stop up (None while it is within its time).
    """

    def __init__(self, timeout: float, warn: Callable[[str], None]) -> None:
        self.timeout = timeout
        self._warn = warn
        self._deadline = asyncio.get_running_loop().time() + timeout
        self.forced: str | None = None

    async def run(self, work: Awaitable[Any], part: str,
                  holder: Callable[[], str | None] | None = None) -> None:
        """Await ``work`` until the deadline; past it, cancel it and say who held the stop up."""
        loop = asyncio.get_running_loop()
        remaining = 0.0 if self.forced else max(0.0, self._deadline - loop.time())
        try:
            await asyncio.wait_for(work, remaining)
        except TimeoutError:
            if self.forced:
                return
            self.forced = (holder() if holder is not None else None) or part
            self._warn(f"The stop took longer than {self.timeout:g} s ([stop] timeout_s in "
                       f"config.toml), so it was forced: {self.forced} held it up")
