"""The server's events and the pipeline that hands them to plugins.

Events are plain mutable dataclasses: plugins may change a message, the
recipients or ``cancelled``, and the server acts on the event it gets back.
Each class names its Pumpkin WIT event type in ``event_type``.

:class:`EventPipeline` batches: every event fired during one event-loop
iteration goes to the :class:`EventSink` in a single ``dispatch`` call, since
reaching the plugin runtime thread costs a thread hop per call.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import ClassVar, Protocol, TypeVar

from gui.server.players import Player
from gui.server.text import TextComponent
from gui.server.world import Position

logger = logging.getLogger(__name__)


@dataclass
class PlayerJoinEvent:
    """A player has joined; ``join_message`` is broadcast unless cancelled."""

    event_type: ClassVar[str] = "player-join-event"
    player: Player
    join_message: TextComponent
    cancelled: bool = False


@dataclass
class PlayerLeaveEvent:
    """A player has left; ``leave_message`` is broadcast unless cancelled."""

    event_type: ClassVar[str] = "player-leave-event"
    player: Player
    leave_message: TextComponent
    cancelled: bool = False


@dataclass
class PlayerLoginEvent:
    """A player is logging in; cancelled means kicked with ``kick_message``."""

    event_type: ClassVar[str] = "player-login-event"
    player: Player
    kick_message: TextComponent
    cancelled: bool = False


@dataclass
class PlayerChatEvent:
    """A player chats; ``message`` goes to ``recipients`` unless cancelled."""

    event_type: ClassVar[str] = "player-chat-event"
    player: Player
    message: str
    recipients: list[Player]
    cancelled: bool = False


@dataclass
class PlayerCommandSendEvent:
    """A player runs ``command`` (no leading ``/``); cancelled means not run."""

    event_type: ClassVar[str] = "player-command-send-event"
    player: Player
    command: str
    cancelled: bool = False


@dataclass
class ServerCommandEvent:
    """The console runs ``command``; cancelled means not run."""

    event_type: ClassVar[str] = "server-command-event"
    command: str
    cancelled: bool = False


@dataclass
class ServerBroadcastEvent:
    """The server broadcasts ``message`` on behalf of ``sender``."""

    event_type: ClassVar[str] = "server-broadcast-event"
    message: TextComponent
    sender: TextComponent
    cancelled: bool = False


@dataclass
class PlayerMoveEvent:
    """A network player moved from ``from_position`` to ``to_position``; cancel to undo."""

    event_type: ClassVar[str] = "player-move-event"
    player: Player
    from_position: Position
    to_position: Position
    cancelled: bool = False


@dataclass
class ServerLoadEvent:
    """The server finished loading; ``load_type`` is ``"startup"`` or ``"reload"``."""

    event_type: ClassVar[str] = "server-load-event"
    load_type: str


ServerEvent = (
    PlayerJoinEvent
    | PlayerLeaveEvent
    | PlayerLoginEvent
    | PlayerChatEvent
    | PlayerCommandSendEvent
    | PlayerMoveEvent
    | ServerCommandEvent
    | ServerBroadcastEvent
    | ServerLoadEvent
)

EVENT_TYPES: dict[str, type[ServerEvent]] = {
    cls.event_type: cls
    for cls in (
        PlayerJoinEvent,
        PlayerLeaveEvent,
        PlayerLoginEvent,
        PlayerChatEvent,
        PlayerCommandSendEvent,
        PlayerMoveEvent,
        ServerCommandEvent,
        ServerBroadcastEvent,
        ServerLoadEvent,
    )
}

EventT = TypeVar(
    "EventT",
    PlayerJoinEvent,
    PlayerLeaveEvent,
    PlayerLoginEvent,
    PlayerChatEvent,
    PlayerCommandSendEvent,
    PlayerMoveEvent,
    ServerCommandEvent,
    ServerBroadcastEvent,
    ServerLoadEvent,
)


class EventSink(Protocol):
    """Receives batches of events (the plugin event bus)."""

    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        """Hand ``events`` to the plugins.

        Returns:
            The events as the plugins left them: same length and order, each
            the same type as the one sent (it may be the same object).
        """
        ...


class PassthroughSink:
    """The default sink: no plugins, events come back unchanged."""

    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        return events


class EventPipeline:
    """Fires server events through a sink, batching per event-loop iteration.

    Attributes:
        batches: How many ``dispatch`` calls have been made.
        fired: How many events have been fired.
    """

    def __init__(self, sink: EventSink | None = None) -> None:
        """Create the pipeline.

        Args:
            sink: Where events go; ``None`` means :class:`PassthroughSink`.
        """
        self._sink: EventSink = sink if sink is not None else PassthroughSink()
        self._queue: list[tuple[ServerEvent, asyncio.Future[ServerEvent]]] = []
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0
        self.fired = 0

    @property
    def sink(self) -> EventSink:
        """The current sink; set it when the plugin system is ready."""
        return self._sink

    @sink.setter
    def sink(self, sink: EventSink | None) -> None:
        self._sink = sink if sink is not None else PassthroughSink()

    async def fire(self, event: EventT) -> EventT:
        """Send ``event`` to the sink and return the event the sink gives back.

        Events fired in the same event-loop iteration share one ``dispatch``.
        If the sink fails or returns something malformed, the failure is
        logged and the event comes back unchanged.

        Args:
            event: The event.

        Returns:
            The (possibly modified) event.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ServerEvent] = loop.create_future()
        self._queue.append((event, future))
        self.fired += 1
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return await future  # type: ignore[return-value]

    def _flush(self) -> None:
        self._flush_scheduled = False
        batch, self._queue = self._queue, []
        if not batch:
            return
        task = asyncio.get_running_loop().create_task(self._dispatch(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, batch: list[tuple[ServerEvent, asyncio.Future[ServerEvent]]]) -> None:
        events = [event for event, _ in batch]
        self.batches += 1
        results: list[ServerEvent] = events
        try:
            returned = await self._sink.dispatch(list(events))
            results = self._checked(events, returned)
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception:
            logger.exception(
                "The event sink failed on %s; the events continue unchanged",
                ", ".join(event.event_type for event in events),
            )
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    def _checked(self, sent: list[ServerEvent], returned: object) -> list[ServerEvent]:
        if not isinstance(returned, list) or len(returned) != len(sent):
            logger.error(
                "The event sink returned %r for %d events; the events continue unchanged",
                type(returned).__name__, len(sent),
            )
            return sent
        results: list[ServerEvent] = []
        for original, result in zip(sent, returned, strict=True):
            if type(result) is not type(original):
                logger.error(
                    "The event sink returned a %s for a %s; keeping the original event",
                    type(result).__name__, type(original).__name__,
                )
                result = original
            results.append(result)
        return results
