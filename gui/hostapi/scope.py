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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
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


LogSink = Callable[[str, str], None]  # (level, message)


@dataclass
class PluginScope:
    """Everything one plugin's host functions may touch."""

    plugin: str
    server: ServerInstance
    loop: asyncio.AbstractEventLoop
    data_dir: Path
    calls: PluginCalls
    log: LogSink
    granted: frozenset[str] = frozenset()
    marketplace_metadata: dict[str, Any] | None = None
    events: list[EventRegistration] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    tasks: set[int] = field(default_factory=set)
    permission_nodes: list[str] = field(default_factory=list)

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"pumpkin_patch.plugin.{self.plugin}")

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the server's loop (from the runtime thread)."""
        self.loop.call_soon_threadsafe(fn, *args)

    def post_coroutine(self, coro: Any) -> None:
        """Schedule a coroutine on the server's loop, logging its failure."""

        def start() -> None:
            task = self.loop.create_task(coro)
            task.add_done_callback(self._report)

        self.loop.call_soon_threadsafe(start)

    def _report(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.logger.error("work posted by plugin %s failed", self.plugin,
                              exc_info=task.exception())
