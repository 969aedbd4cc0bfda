"""Calls into plugins from the server: event batches, commands and scheduled tasks.

The dispatch part of :class:`~gui.plugins.manager.PluginManager`: it is the
server's event sink (every handler of every event of a batch in one hop to
the runtime thread) and runs plugin commands and tasks. A trap in one handler
fails that handler's plugin only; the event goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from gui.hostapi.event import apply_wit, to_wit
from gui.hostapi.plugin_status import StatusSnapshot
from gui.hostapi.scope import EventRegistration
from gui.plugins.notices import PluginMessage, PluginStatusChanged
from gui.plugins.registry import Plugin
from gui.runtime import GuestCallFailed, InstanceDead, PluginInstance
from gui.server.events import ServerEvent
from gui.server.instance import ServerInstance
from gui.server.text import TextComponent

STATUS_EVERY_S = 0.5


class DispatchPart:
    """Events, commands and tasks into plugins (part of PluginManager)."""

    async def dispatch(self, events: list[ServerEvent]) -> list[ServerEvent]:
        """EventSink: run every handler of every event in one hop to the runtime thread."""
        work = []
        for event in events:
            handlers = [
                (reg, self.plugins.get(reg.plugin)) for reg in self.bus.handlers(event.event_type)
            ]
            handlers = [(reg, p) for reg, p in handlers if p is not None and p.is_live()]
            if handlers:
                work.append((event, handlers))
        if not work:
            return events
        deadline = self.limits.call_deadline
        failures = await self.runtime.run(_run_handlers, work, self.server, deadline,
                                          self._plugin_log)
        for plugin, failed in failures:
            await self._fault(plugin, failed)
        return events

    async def run_command(self, plugin: Plugin, handler_id: int, sender: Any, args: Any) -> int:
        instance = plugin.instance
        if instance is None or not plugin.is_live():
            sender.send_message(TextComponent.of(f"{plugin.name} is not running "
                                                 f"({plugin.lifecycle.state})", "red"))
            return 0
        started = time.perf_counter()
        try:
            result = await self.runtime.call(instance, "handle-command", handler_id, sender,
                                             self.server, args)
        except GuestCallFailed as failed:
            sender.send_message(TextComponent.of(
                f"{plugin.name} failed running this command ({failed.fault.kind}): "
                f"{failed.fault.message}", "red"))
            await self._fault(plugin, failed)
            return 0
        except InstanceDead:
            return 0
        finally:
            plugin.metrics.record(time.perf_counter() - started)
        return _command_result(plugin, result, sender)

    async def run_task(self, plugin: Plugin, handler_id: int) -> None:
        instance = plugin.instance
        if instance is None or not plugin.is_live():
            return
        started = time.perf_counter()
        try:
            await self.runtime.call(instance, "handle-task", handler_id, self.server)
        except GuestCallFailed as failed:
            await self._fault(plugin, failed)
        except InstanceDead:
            pass
        finally:
            plugin.metrics.record(time.perf_counter() - started)


class PluginCallsOf:
    """The manager as one plugin's host functions see it (PluginCalls)."""

    def __init__(self, manager: DispatchPart, plugin: Plugin) -> None:
        self._manager = manager
        self._plugin = plugin
        self._status: StatusSnapshot | None = None
        self._status_due = False  # a publish of the latest status is scheduled

    def on_event_registered(self, registration: EventRegistration) -> None:
        # Runs on the runtime thread during on-load; the bus belongs to the loop.
        # call_soon_threadsafe keeps order, so the registration is in place
        # before the loop sees on-load finish.
        self._plugin.scope.post(self._manager.bus.add, registration)

    async def run_command(self, handler_id: int, sender: Any, args: Any) -> int:
        return await self._manager.run_command(self._plugin, handler_id, sender, args)

    async def run_task(self, handler_id: int) -> None:
        await self._manager.run_task(self._plugin, handler_id)

    def notify_admin(self, level: str, title: str, body: str) -> None:
        notice = PluginMessage(self._plugin.name, level, title, body)
        self._plugin.scope.post(self._manager.publish, notice)

    def status_changed(self, status: StatusSnapshot) -> None:
        # Gauges may change every tick: publish the latest at most every STATUS_EVERY_S.
        self._status = status
        if not self._status_due:
            self._status_due = True
            self._plugin.scope.post(self._publish_status_later)

    def _publish_status_later(self) -> None:
        asyncio.get_running_loop().call_later(STATUS_EVERY_S, self._publish_status)

    def _publish_status(self) -> None:
        self._status_due = False
        status = self._status
        if status is not None:
            self._plugin.status = status
            self._manager.publish(PluginStatusChanged(status))


def _run_handlers(
    work: list[tuple[ServerEvent, list[tuple[EventRegistration, Plugin]]]],
    server: ServerInstance,
    deadline: float,
    log: Callable[[Plugin, str, str], None],
) -> list[tuple[Plugin, GuestCallFailed]]:
    """Runtime thread: run the handler chain of each event; collect faults."""
    failures: list[tuple[Plugin, GuestCallFailed]] = []
    dead: set[str] = set()
    for event, handlers in work:
        for registration, plugin in handlers:
            instance: PluginInstance | None = plugin.instance
            if instance is None or instance.dead or plugin.name in dead:
                continue
            started = time.perf_counter()
            try:
                # A value the host cannot pass fails inside the call, as this
                # handler's host error: the batch goes on.
                returned = instance.call("handle-event", registration.handler_id, server,
                                         to_wit(event), deadline=deadline)
            except GuestCallFailed as failed:
                failures.append((plugin, failed))
                dead.add(plugin.name)
                continue  # the event goes on as if this handler had not run
            finally:
                plugin.metrics.record(time.perf_counter() - started)
            if registration.blocking:
                try:
                    apply_wit(event, returned)
                except ValueError as exc:
                    log(plugin, "warn", f"ignored the event it returned: {exc}")
    return failures


def _command_result(plugin: Plugin, result: Any, sender: Any) -> int:
    """handle-command returns result<s32, command-error>; show errors to the sender."""
    if isinstance(result, int):
        return result
    tag = getattr(result, "tag", "command-failed")
    payload = getattr(result, "payload", None)
    if tag == "command-failed" and isinstance(payload, TextComponent):
        sender.send_message(payload.copy() if payload.color else TextComponent.of(
            payload.plain(), "red"))
    elif tag == "invalid-consumption":
        sender.send_message(TextComponent.of(f"Invalid arguments: {payload or ''}".strip(),
                                             "red"))
    elif tag == "permission-denied":
        sender.send_message(TextComponent.of("You do not have permission to do that.", "red"))
    else:
        sender.send_message(TextComponent.of(f"{plugin.name}: command refused ({tag})", "red"))
    return 0

