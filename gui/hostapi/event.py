"""Host side of ``pumpkin:plugin/event``: server events as WIT ``event`` values.

The ``event`` interface has no functions; it defines the value passed to
``handle-event``. :func:`to_wit` turns a server event into that value (a
``Variant`` whose case is the event type and whose payload is the
``*-event-data`` record) and :func:`apply_wit` copies what a plugin changed
(message, recipients, cancelled, ...) back into the server event.
"""

from __future__ import annotations

from typing import Any

from wasmtime.component import Record, Variant

from gui.server.events import ServerEvent
from gui.server.players import Player
from gui.server.text import TextComponent


def to_wit(event: ServerEvent) -> Variant:
    """The ``event`` value for ``handle-event``: the event's WIT case and record."""
    record = Record()
    for f in event.wit_fields():
        setattr(record, f.wit, getattr(event, f.attr))
    return Variant(event.event_type, record)


def apply_wit(event: ServerEvent, value: Any) -> None:
    """Copy the writable fields of a returned ``event`` value into ``event``.

    A value of another event type raises ValueError; a field of another kind
    than the event's own value is ignored (a plugin may change a field's
    value, never its kind).
    """
    if not isinstance(value, Variant) or value.tag != event.event_type:
        raise ValueError(
            f"handler returned a {getattr(value, 'tag', type(value).__name__)} value "
            f"for a {event.event_type}"
        )
    record = value.payload
    for f in event.wit_fields():
        if f.writable:
            new = getattr(record, f.wit)
            if _same_kind(getattr(event, f.attr), new):
                setattr(event, f.attr, new)


def _same_kind(current: Any, new: Any) -> bool:
    if isinstance(current, list):  # the recipients: players, and only players
        return isinstance(new, list) and all(isinstance(p, Player) for p in new)
    if isinstance(current, str):  # a chat message may come back as text or a component
        return isinstance(new, str | TextComponent)
    return isinstance(new, type(current))
