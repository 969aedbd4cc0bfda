"""Host side of ``pumpkin:plugin/scheduler``: plugin tasks counted in server ticks."""

from __future__ import annotations

from gui.hostapi.base import HostInterface, wit
from gui.runtime.traps import HostFunctionError


class SchedulerApi(HostInterface):
    interface = "scheduler"

    @wit("schedule-delayed-task")
    def schedule_delayed(self, handler_id: int, delay_ticks: int) -> int:
        scope = self.scope
        task_id = scope.server.scheduler.schedule_delayed(
            scope.plugin, delay_ticks, lambda: scope.calls.run_task(handler_id)
        )
        scope.tasks.add(task_id)
        return task_id

    @wit("schedule-repeating-task")
    def schedule_repeating(self, handler_id: int, delay_ticks: int, period_ticks: int) -> int:
        scope = self.scope
        if period_ticks < 1:
            raise HostFunctionError(
                f"plugin {scope.plugin!r}: schedule-repeating-task needs period-ticks >= 1 "
                f"(got {period_ticks})"
            )
        task_id = scope.server.scheduler.schedule_repeating(
            scope.plugin, delay_ticks, period_ticks, lambda: scope.calls.run_task(handler_id)
        )
        scope.tasks.add(task_id)
        return task_id

    @wit("cancel-task")
    def cancel(self, task_id: int) -> None:
        # Only the plugin's own tasks: another plugin's ids are not its to cancel.
        if task_id in self.scope.tasks:
            self.scope.tasks.discard(task_id)
            self.scope.server.scheduler.cancel(task_id)
