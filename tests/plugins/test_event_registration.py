"""Event registration and delivery: types this server fires, and one handler's failure.

Each event type is one class in gui/server/events.py; ``register-event`` for
a type of Pumpkin's WIT that no class declares is refused with an error line
naming the plugin and the type, and a value the host cannot pass to one
handler fails that handler (as a host error), not the batch.
"""

from __future__ import annotations

import asyncio

from gui.devkit.wat_build import build_fixture
from gui.hostapi.event import apply_wit, to_wit
from gui.server.events import PlayerChatEvent, ServerCommandEvent, ServerEvent
from tests.harness import Session


def test_every_event_class_registers_itself_with_its_wit_record():
    assert ServerEvent.by_type["player-chat-event"] is PlayerChatEvent
    value = to_wit(ServerCommandEvent("say hi"))
    assert value.tag == "server-command-event"
    assert value.payload.command == "say hi"
    assert value.payload.cancelled is False
    # What a blocking handler returns comes back, field by field, when of the same kind.
    event = ServerCommandEvent("say hi")
    value.payload.cancelled = True
    value.payload.command = 7  # wrong kind: ignored
    apply_wit(event, value)
    assert event.cancelled is True and event.command == "say hi"


def test_a_handler_for_an_event_this_server_never_fires_is_refused(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("unfired-event"))
        async with session:
            await session.wait_for(r"never fires player-teleport-event; the handler is not "
                                   r"registered", source="unfired-event")
            bus = session.plugins.bus
            assert bus.handlers("player-teleport-event") == []
            assert [r.plugin for r in bus.handlers("player-chat-event")] == ["unfired-event"]

    asyncio.run(scenario())


def test_an_event_the_host_cannot_pass_fails_each_handler_not_the_batch(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("echo"), build_fixture("unfired-event"))
        async with session:
            await session.run("playtest join Bob")
            bob = session.server.players.get("Bob")
            bad = PlayerChatEvent(bob, 12345, [bob])  # type: ignore[arg-type]  # not a str
            good = PlayerChatEvent(bob, "still here", [bob])
            fired = await asyncio.gather(session.server.events.fire(bad),
                                         session.server.events.fire(good))
            assert fired[1].message == "still here" and not fired[1].cancelled
            for plugin in ("echo", "unfired-event"):
                await session.wait_for(r"trapped in handle-event \(host-error\)", source=plugin)

    asyncio.run(scenario())
