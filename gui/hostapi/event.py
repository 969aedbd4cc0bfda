"""Host side of ``pumpkin:plugin/event``: server events as WIT ``event`` values.

The ``event`` interface has no functions; it defines the value passed to
``handle-event``. :func:`to_wit` turns a server event into that value (a
``Variant`` whose case is the event type and whose payload is the
``*-event-data`` record) and :func:`apply_wit` copies what a plugin changed
(message, recipients, cancelled, ...) back into the server event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wasmtime.component import Record, Variant

from gui.server.events import (
    PlayerChatEvent,
    PlayerCommandSendEvent,
    PlayerJoinEvent,
    PlayerLeaveEvent,
    PlayerLoginEvent,
    PlayerMoveEvent,
    ServerBroadcastEvent,
    ServerCommandEvent,
    ServerEvent,
    ServerLoadEvent,
)
from gui.server.players import Player
from gui.server.text import TextComponent

# Per event class: (WIT field name, Python attribute name, writable by plugins).
_FIELDS: dict[type, tuple[tuple[str, str, bool], ...]] = {
    PlayerJoinEvent: (("player", "player", False), ("join-message", "join_message", True),
                      ("cancelled", "cancelled", True)),
    PlayerLeaveEvent: (("player", "player", False), ("leave-message", "leave_message", True),
                       ("cancelled", "cancelled", True)),
    PlayerLoginEvent: (("player", "player", False), ("kick-message", "kick_message", True),
                       ("cancelled", "cancelled", True)),
    PlayerChatEvent: (("player", "player", False), ("message", "message", True),
                      ("recipients", "recipients", True), ("signature", "", False),
                      ("cancelled", "cancelled", True)),
    PlayerCommandSendEvent: (("player", "player", False), ("command", "command", True),
                             ("cancelled", "cancelled", True)),
    PlayerMoveEvent: (("player", "player", False), ("from-position", "from_position", False),
                      ("to-position", "to_position", False), ("cancelled", "cancelled", True)),
    ServerCommandEvent: (("command", "command", True), ("cancelled", "cancelled", True)),
    ServerBroadcastEvent: (("message", "message", True), ("sender", "sender", True),
                           ("cancelled", "cancelled", True)),
    ServerLoadEvent: (("load-type", "load_type", False),),
}

# Type checks for values coming back from a plugin: a plugin may change a
# field's value, never its kind.
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "message": lambda v: isinstance(v, str | TextComponent),
    "command": lambda v: isinstance(v, str),
    "cancelled": lambda v: isinstance(v, bool),
    "recipients": lambda v: isinstance(v, list) and all(isinstance(p, Player) for p in v),
}

SUPPORTED_EVENT_TYPES = frozenset(cls.event_type for cls in _FIELDS)


def to_wit(event: ServerEvent) -> Variant:
    """The ``event`` value for ``handle-event``."""
    record = Record()
    for wit_name, attr, _ in _FIELDS[type(event)]:
        setattr(record, wit_name, getattr(event, attr) if attr else None)
    return Variant(event.event_type, record)


def apply_wit(event: ServerEvent, value: Any) -> None:
    """Copy the writable fields of a returned ``event`` value into ``event``.

    A value of another event type, or a field of the wrong kind, is ignored
    (the plugin's change is dropped, the event goes on unchanged).
    """
    if not isinstance(value, Variant) or value.tag != event.event_type:
        raise ValueError(
            f"handler returned a {getattr(value, 'tag', type(value).__name__)} value "
            f"for a {event.event_type}"
        )
    record = value.payload
    for wit_name, attr, writable in _FIELDS[type(event)]:
        if not writable:
            continue
        new = getattr(record, wit_name)
        check = _CHECKS.get(attr)
        if isinstance(getattr(event, attr), TextComponent):
            check = lambda v: isinstance(v, TextComponent)  # noqa: E731
        if check is None or check(new):
            setattr(event, attr, new)
