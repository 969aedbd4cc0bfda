"""The server's events and the pipeline that hands them to plugins.

Events are plain mutable dataclasses: plugins may change a message, the
recipients or ``cancelled``, and the server acts on the event it gets back.
Each class names its Pumpkin WIT event type in ``event_type`` and declares
the fields of its WIT record with :func:`wit_field`: adding an event type is
one class here (and the code that fires it).

:class:`EventPipeline` batches: every event fired during one event-loop
iteration goes to the :class:`EventSink` in a single ``dispatch`` call, since
reaching the plugin runtime thread costs a thread hop per call.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

from gui.server.players import Player
from gui.server.text import TextComponent
from gui.server.world import Position

logger = logging.getLogger(__name__)


def wit_field(name: str, *, writable: bool = False, default: Any = MISSING) -> Any:
    """A field of the event's WIT ``*-event-data`` record, named ``name`` there.

    ``writable`` fields are copied back from what a blocking handler returns
    (when the value is of the same kind); the others are for reading.
    """
    metadata = {"wit": name, "writable": writable}
    return field(metadata=metadata) if default is MISSING else field(default=default,
                                                                      metadata=metadata)


@dataclass
class ServerEvent:
    """Base of every server event: one subclass per Pumpkin WIT event type.

    A subclass names its WIT case in ``event_type`` and declares its record's
    fields with :func:`wit_field`; that is all the plugin host needs
    (:mod:`gui.hostapi.event` reads the fields). Subclasses register
    themselves in :attr:`by_type`.
    """

    event_type: ClassVar[str]
    by_type: ClassVar[dict[str, type[ServerEvent]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ServerEvent.by_type[cls.event_type] = cls

    @classmethod
    def wit_fields(cls) -> tuple[WitField, ...]:
        """The fields of the WIT record, in declaration order (worked out once per class)."""
        return _wit_fields(cls)


class WitField(NamedTuple):
    """One field of an event's WIT record, as :func:`wit_field` declared it."""

    attr: str  # the Python attribute: join_message
    wit: str  # the WIT field: join-message
    writable: bool


_WIT_FIELDS: dict[type[ServerEvent], tuple[WitField, ...]] = {}


def _wit_fields(cls: type[ServerEvent]) -> tuple[WitField, ...]:
    found = _WIT_FIELDS.get(cls)
    if found is None:
        found = _WIT_FIELDS[cls] = tuple(
            WitField(f.name, f.metadata["wit"], f.metadata["writable"])
            for f in fields(cls) if "wit" in f.metadata)
    return found


@dataclass
class PlayerJoinEvent(ServerEvent):
    """A player has joined; ``join_message`` is broadcast unless cancelled."""

    event_type: ClassVar[str] = "player-join-event"
    player: Player = wit_field("player")
    join_message: TextComponent = wit_field("join-message", writable=True)
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class PlayerLeaveEvent(ServerEvent):
    """A player has left; ``leave_message`` is broadcast unless cancelled."""

    event_type: ClassVar[str] = "player-leave-event"
    player: Player = wit_field("player")
    leave_message: TextComponent = wit_field("leave-message", writable=True)
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class PlayerLoginEvent(ServerEvent):
    """A player is logging in; cancelled means kicked with ``kick_message``."""

    event_type: ClassVar[str] = "player-login-event"
    player: Player = wit_field("player")
    kick_message: TextComponent = wit_field("kick-message", writable=True)
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class PlayerChatEvent(ServerEvent):
    """A player chats; ``message`` goes to ``recipients`` unless cancelled."""

    event_type: ClassVar[str] = "player-chat-event"
    player: Player = wit_field("player")
    message: str = wit_field("message", writable=True)
    recipients: list[Player] = wit_field("recipients", writable=True)
    signature: None = wit_field("signature", default=None)  # chat signing: none offline
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class PlayerCommandSendEvent(ServerEvent):
    """A player runs ``command`` (no leading ``/``); cancelled means not run."""

    event_type: ClassVar[str] = "player-command-send-event"
    player: Player = wit_field("player")
    command: str = wit_field("command", writable=True)
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class ServerCommandEvent(ServerEvent):
    """The console runs ``command``; cancelled means not run."""

    event_type: ClassVar[str] = "server-command-event"
    command: str = wit_field("command", writable=True)
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class ServerBroadcastEvent(ServerEvent):
    """The server broadcasts ``message`` on behalf of ``sender``."""

    event_type: ClassVar[str] = "server-broadcast-event"
    message: TextComponent = wit_field("message", writable=True)
    sender: TextComponent = wit_field("sender", writable=True)
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class PlayerMoveEvent(ServerEvent):
    """A network player moved from ``from_position`` to ``to_position``; cancel to undo."""

    event_type: ClassVar[str] = "player-move-event"
    player: Player = wit_field("player")
    from_position: Position = wit_field("from-position")
    to_position: Position = wit_field("to-position")
    cancelled: bool = wit_field("cancelled", writable=True, default=False)


@dataclass
class ServerLoadEvent(ServerEvent):
    """The server finished loading; ``load_type`` is ``"startup"`` or ``"reload"``."""

    event_type: ClassVar[str] = "server-load-event"
    load_type: str = wit_field("load-type")


EventT = TypeVar("EventT", bound=ServerEvent)


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
