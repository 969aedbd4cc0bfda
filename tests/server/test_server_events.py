"""EventPipeline: batching per loop iteration and surviving a faulty sink."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gui.server.events import (
    EventPipeline,
    ServerBroadcastEvent,
    ServerCommandEvent,
    ServerEvent,
    ServerLoadEvent,
)
from gui.server.text import TextComponent


class RecordingSink:
    """Records each batch; cancels commands that start with "deny"."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        self.batches.append([e.event_type for e in events])
        await asyncio.sleep(0)  # a real sink waits for the runtime thread
        out: list[ServerEvent] = []
        for event in events:
            if isinstance(event, ServerCommandEvent) and event.command.startswith("deny"):
                event = ServerCommandEvent(event.command, cancelled=True)
            out.append(event)
        return out


class BrokenSink:
    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        raise RuntimeError("runtime thread died")


class ShortSink:
    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        return events[:-1]


def test_event_types_are_pumpkin_names() -> None:
    assert ServerLoadEvent.event_type == "server-load-event"
    assert ServerCommandEvent("x").event_type == "server-command-event"


def test_events_of_one_iteration_share_one_dispatch() -> None:
    async def scenario() -> tuple[list[ServerEvent], list[list[str]], ServerLoadEvent]:
        sink = RecordingSink()
        pipeline = EventPipeline(sink)
        results = await asyncio.gather(
            pipeline.fire(ServerCommandEvent("list")),
            pipeline.fire(ServerCommandEvent("deny me")),
            pipeline.fire(ServerBroadcastEvent(TextComponent.of("hi"), TextComponent.of("x"))),
        )
        later = await pipeline.fire(ServerLoadEvent("startup"))
        return list(results), sink.batches, later

    results, batches, later = asyncio.run(scenario())
    assert batches == [
        ["server-command-event", "server-command-event", "server-broadcast-event"],
        ["server-load-event"],
    ]
    assert [getattr(e, "cancelled", None) for e in results] == [False, True, False]
    assert isinstance(results[2], ServerBroadcastEvent)
    assert later == ServerLoadEvent("startup")


def test_default_sink_passes_events_through() -> None:
    event = ServerCommandEvent("list")
    assert asyncio.run(EventPipeline().fire(event)) is event


@pytest.mark.parametrize("sink", [BrokenSink(), ShortSink()])
def test_faulty_sink_leaves_events_unchanged(sink: object,
                                             caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[ServerCommandEvent]:
        pipeline = EventPipeline()
        pipeline.sink = sink  # type: ignore[assignment]
        return list(await asyncio.gather(pipeline.fire(ServerCommandEvent("a")),
                                         pipeline.fire(ServerCommandEvent("b"))))

    with caplog.at_level(logging.ERROR, logger="gui.server.events"):
        results = asyncio.run(scenario())
    assert results == [ServerCommandEvent("a"), ServerCommandEvent("b")]
    assert "events continue unchanged" in caplog.text
