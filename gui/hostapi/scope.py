"""The per-plugin view of the host that every host function works through.

A :class:`PluginScope` is made by the plugin manager for each loaded plugin
(Picard's "scoped API object"): its name, its data folder, its logger, what
it registered (events, commands, tasks, permission nodes), the capabilities
it was granted, and a way to hand work to the server's event loop. Unloading
a plugin discards its scope and everything registered through it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gui.runtime.instance import DEFAULT_STORAGE_BYTES

if TYPE_CHECKING:
    from gui.hostapi.plugin_status import StatusSnapshot
    from gui.server.instance import ServerInstance
    from gui.server.senders import CommandSender


@dataclass(frozen=True)
class EventRegistration:
    """One ``context.register-event`` call."""

    plugin: str
    handler_id: int
    event_type: str  # Pumpkin's WIT name, e.g. "player-chat-event"
    priority: str  # "highest" .. "lowest"
    blocking: bool


class PluginCalls(Protocol):
    """What host functions may ask of the plugin manager for this plugin."""

    def on_event_registered(self, registration: EventRegistration) -> None: ...

    async def run_command(self, handler_id: int, sender: CommandSender, args: Any) -> int: ...

    async def run_task(self, handler_id: int) -> None: ...

    def notify_admin(self, level: str, title: str, body: str) -> None:
        """Runtime thread: a notice the plugin sends the admin (already rate-limited)."""

    def status_changed(self, status: StatusSnapshot) -> None:
        """Runtime thread: the plugin's status line or gauges changed."""


LogSink = Callable[[str, str], None]  # (level, message)


class LoopPoster:
    """Hands work from the runtime thread to the server loop, one wake-up per burst.

    ``call_soon_threadsafe`` writes to the loop's self-pipe every time; a
    plugin that broadcasts on every event would pay a syscall per event.
    Here the first post of a burst schedules one drain and later posts join
    it. Order is kept, and a drain scheduled during a guest call runs before
    the loop sees that call finish.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self._lock = threading.Lock()
        self._scheduled = False

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self._pending.append((fn, args))
            if self._scheduled:
                return
            self._scheduled = True
        self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        for fn, args in batch:
            try:
                fn(*args)
            except Exception:
                logging.getLogger(__name__).exception("work posted from a plugin call failed")


@dataclass
class PluginScope:
    """Everything one plugin's host functions may touch."""

    plugin: str
    server: ServerInstance
    loop: asyncio.AbstractEventLoop
    data_dir: Path
    calls: PluginCalls
    log: LogSink
    poster: LoopPoster | None = None
    granted: frozenset[str] = frozenset()
    storage_quota: int = DEFAULT_STORAGE_BYTES  # bytes (Limits.storage_bytes)
    # The key-value store (AppPaths.plugin_store_file); a scope with no server
    # behind it has none (reads find nothing, writes are an io error value).
    store_file: Path = Path("/nonexistent/store.json")
    marketplace_metadata: dict[str, Any] | None = None
    events: list[EventRegistration] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    tasks: set[int] = field(default_factory=set)
    permission_nodes: list[str] = field(default_factory=list)
    # Capabilities a host function found missing, already reported (see lacks()).
    reported_missing: set[tuple[str, frozenset[str]]] = field(default_factory=set)

    @classmethod
    def detached(cls, plugin: str, log: LogSink) -> PluginScope:
        """A scope with no server behind it: for reading metadata (inspect, benchmarks).

        Host functions that need the server fail (the call traps as a host
        error); init-plugin and get-metadata do not need it.
        """
        return cls(plugin=plugin, server=None, loop=None,  # type: ignore[arg-type]
                   data_dir=Path("/nonexistent"), calls=None,  # type: ignore[arg-type]
                   log=log)

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"pumpkin_patch.plugin.{self.plugin}")

    def holds(self, capability: str, attempt: str) -> bool:
        """Whether the plugin holds ``capability``; if not, report (once) it tried ``attempt``."""
        if capability in self.granted:
            return True
        self.lacks(capability, f"{attempt} refused: it lacks the {capability} permission")
        return False

    def lacks(self, capability: str, message: str) -> None:
        """Report once (per set of grants) that the plugin used a capability it lacks.

        Host functions call this where they enforce a permission, so the admin
        sees in the plugin's log what it tried and which permission would allow it.
        """
        key = (capability, self.granted)
        if key not in self.reported_missing:
            self.reported_missing.add(key)
            self.log("warn", message)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the server's loop (from the runtime thread)."""
        if self.poster is not None:
            self.poster.post(fn, *args)
        else:
            self.loop.call_soon_threadsafe(fn, *args)

    def post_coroutine(self, coro: Any) -> None:
        """Schedule a coroutine on the server's loop, logging its failure."""

        def start() -> None:
            task = self.loop.create_task(coro)
            task.add_done_callback(self._report)

        self.post(start)

    def _report(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.logger.error("work posted by plugin %s failed", self.plugin,
                              exc_info=task.exception())
