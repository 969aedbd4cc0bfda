"""After a trap: record it, tell the subscribers, clean up, then restart or quarantine.

The faults part of :class:`~gui.plugins.manager.PluginManager`; the policy
(backoff, quarantine after three traps in five minutes) is
:class:`gui.plugins.faults.FaultPolicy`.
"""

from __future__ import annotations

import asyncio
import time

from gui.plugins.faults import FaultRecord
from gui.plugins.lifecycle import PluginState
from gui.plugins.notices import PluginFaulted
from gui.plugins.registry import Plugin
from gui.runtime import GuestCallFailed

S = PluginState


class FaultsPart:
    """A trap: record, publish, clean up, then restart or quarantine (part of PluginManager)."""

    async def _fault(self, plugin: Plugin, failed: GuestCallFailed) -> None:
        """A call trapped: record, publish, clean up, then restart or quarantine."""
        record = FaultRecord(plugin.name, failed.export, failed.fault)
        plugin.faults.append(record)
        plugin.trap_times.append(time.monotonic())
        plugin.metrics.traps += 1
        self._plugin_log(plugin, "error", record.describe())
        for frame in failed.fault.frames[:8]:
            self._plugin_log(plugin, "debug", f"  at {frame}")
        self._clear_registrations(plugin)
        await self._discard_instance(plugin)
        if plugin.lifecycle.state is not S.TRAPPED:
            plugin.lifecycle.move(S.TRAPPED)
        decision = self.policy.decide(plugin.trap_times, time.monotonic())
        self.publish(PluginFaulted(record, decision.quarantine, decision.restart_after))
        if decision.quarantine:
            plugin.lifecycle.move(S.QUARANTINED)
            self.server.console.error(
                "plugins", f"{plugin.name} quarantined after {decision.traps_in_window} traps "
                           f"within {self.policy.window / 60:.0f} minutes; "
                           f"run 'plugin enable {plugin.name}' once it is fixed")
            return
        self.server.console.warn(
            "plugins", f"{plugin.name} will restart in {decision.restart_after:g} s "
                       f"(trap {decision.traps_in_window} of {self.policy.max_traps} allowed "
                       f"within {self.policy.window / 60:g} minutes)")
        loop = asyncio.get_running_loop()
        self._restarts[plugin.name] = loop.call_later(
            decision.restart_after, lambda: loop.create_task(self._restart(plugin)))

    async def _restart(self, plugin: Plugin) -> None:
        self._restarts.pop(plugin.name, None)
        if plugin.lifecycle.state is not S.TRAPPED:
            return  # disabled or removed meanwhile
        plugin.lifecycle.move(S.RESTARTING)
        await self._start(plugin, restarting=True)

    def _cancel_restart(self, plugin: Plugin) -> None:
        handle = self._restarts.pop(plugin.name, None)
        if handle is not None:
            handle.cancel()

