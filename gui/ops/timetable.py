"""Runs the schedules: each at its time, one run of a schedule at a time.

:class:`ScheduleRunner` wakes at least once a second, starts every enabled
schedule that is due as its own task (so a restart's warning period never
holds up the others) and records when it ran and how it went, also in
``<data>/schedule-state.json`` so lists show the last run after a restart
of the app. A run that fails is reported (console, :class:`ScheduleRan`
with ``ok=False``) and the schedule carries on. The clock is injectable.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gui.ops.notices import OpsNotice, ScheduleRan
from gui.ops.schedules import Schedule
from gui.paths import atomic_write_text
from gui.server.console import ConsoleLog

log = logging.getLogger(__name__)

TICK_S = 1.0
SOURCE = "schedules"


class ScheduleActions(Protocol):
    """What schedules can do (gui/ops/service.py implements it over the core)."""

    async def run_command(self, line: str) -> tuple[bool, str]: ...
    async def restart(self, warn_s: float, message: str) -> str: ...
    async def scheduled_backup(self) -> str: ...
    def players_online(self) -> int: ...


@dataclass(frozen=True)
class ScheduleStatus:
    """A schedule as a list shows it."""

    schedule: Schedule
    last_run: dt.datetime | None
    last_ok: bool | None
    last_result: str
    next_run: dt.datetime | None
    running: bool


class ScheduleRunner:
    """Starts due schedules and remembers their last results."""

    def __init__(self, actions: ScheduleActions, *, state_file: Path | None = None,
                 now: Callable[[], dt.datetime] = dt.datetime.now,
                 publish: Callable[[OpsNotice], None] | None = None,
                 console: ConsoleLog | None = None) -> None:
        """Create a stopped runner with no schedules.

        Args:
            actions: Carries out commands, restarts and backups.
            state_file: Where last runs and results are kept (None: memory only).
            now: The clock (local, naive datetimes).
            publish: Called with a :class:`ScheduleRan` after every run.
            console: A ConsoleLog for run and failure lines.
        """
        self.actions = actions
        self.state_file = state_file
        self._now = now
        self._publish = publish or (lambda _notice: None)
        self._console = console
        self.schedules: list[Schedule] = []
        self._next: dict[str, dt.datetime] = {}
        self._last: dict[str, tuple[dt.datetime, bool, str]] = self._read_state()
        self._running: dict[str, asyncio.Task[ScheduleRan]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[None] | None = None

    # -- the table ------------------------------------------------------------------
    def set_schedules(self, schedules: list[Schedule]) -> None:
        """Replace the schedules (after an edit); next runs are computed afresh."""
        self.schedules = list(schedules)
        now = self._now()
        names = {s.name for s in self.schedules}
        self._next = {name: due for name, due in self._next.items() if name in names}
        for schedule in self.schedules:
            last = self._last.get(schedule.name)
            self._next[schedule.name] = schedule.next_run(now, last[0] if last else None)
        self._wake()

    def get(self, name: str) -> Schedule:
        for schedule in self.schedules:
            if schedule.name.lower() == name.lower():
                return schedule
        known = ", ".join(s.name for s in self.schedules) or "none"
        raise KeyError(f"no schedule called {name!r} (there are: {known})")

    def statuses(self) -> list[ScheduleStatus]:
        out = []
        for schedule in self.schedules:
            last = self._last.get(schedule.name)
            running = schedule.name in self._running
            out.append(ScheduleStatus(
                schedule, last[0] if last else None, last[1] if last else None,
                last[2] if last else "", self._next.get(schedule.name)
                if schedule.enabled else None, running))
        return out

    # -- running --------------------------------------------------------------------
    def start(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(),
                                                                     name="schedules")

    async def stop(self) -> None:
        tasks = [t for t in (self._loop_task, *self._running.values()) if t is not None]
        self._loop_task = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            now = self._now()
            for schedule in self.schedules:
                due = self._next.get(schedule.name)
                if (schedule.enabled and due is not None and due <= now
                        and schedule.name not in self._running):
                    self._start(schedule)
            await self._nap(self._sleep_for(now))

    async def _nap(self, seconds: float) -> None:
        """Sleep ``seconds`` or until woken (an edit, a finished run).

        A plain future rather than ``wait_for(event.wait())``: on Python 3.11
        wait_for can swallow a cancel that arrives as the event is set
        (CPython gh-86296), and :meth:`stop` would wait for ever.
        """
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(seconds, self._wake)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _sleep_for(self, now: dt.datetime) -> float:
        upcoming = [due for s in self.schedules if s.enabled and s.name not in self._running
                    and (due := self._next.get(s.name)) is not None]
        if not upcoming:
            return TICK_S
        return max(0.01, min(TICK_S, (min(upcoming) - now).total_seconds()))

    def _start(self, schedule: Schedule) -> asyncio.Task[ScheduleRan]:
        task = asyncio.get_running_loop().create_task(self._run(schedule),
                                                      name=f"schedule-{schedule.name}")
        self._running[schedule.name] = task
        task.add_done_callback(lambda _t, n=schedule.name: self._done(n))
        return task

    def _done(self, name: str) -> None:
        self._running.pop(name, None)
        self._wake()

    async def run_now(self, name: str) -> ScheduleRan:
        """Run ``name`` at once (even if disabled), or wait for the run in progress."""
        schedule = self.get(name)
        task = self._running.get(schedule.name) or self._start(schedule)
        return await asyncio.shield(task)

    async def _run(self, schedule: Schedule) -> ScheduleRan:
        started = self._now()
        try:
            ok, result = await self._carry_out(schedule)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failed task is reported; the schedule carries on
            log.exception("schedule %s failed", schedule.name)
            ok, result = False, f"failed: {exc}"
        self._last[schedule.name] = (started, ok, result)
        self._next[schedule.name] = schedule.next_run(max(self._now(), started), started)
        await asyncio.to_thread(self._save_state)
        if self._console is not None:
            write = self._console.info if ok else self._console.error
            write(SOURCE, f"{schedule.name} ({schedule.what}): {result}")
        ran = ScheduleRan(schedule.name, ok, result)
        self._publish(ran)
        return ran

    async def _carry_out(self, schedule: Schedule) -> tuple[bool, str]:
        if schedule.only_when_players and self.actions.players_online() == 0:
            return True, "skipped: nobody is online"
        if schedule.action == "command":
            return await self.actions.run_command(schedule.command)
        if schedule.action == "restart":
            return True, await self.actions.restart(schedule.warn_s, schedule.warn_message)
        return True, await self.actions.scheduled_backup()

    # -- state file -------------------------------------------------------------------
    def _read_state(self) -> dict[str, tuple[dt.datetime, bool, str]]:
        if self.state_file is None:
            return {}
        try:
            raw = json.loads(self.state_file.read_text(encoding="utf-8"))
            return {name: (dt.datetime.fromisoformat(entry["last_run"]), bool(entry["ok"]),
                           str(entry["result"])) for name, entry in raw.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s is unreadable (%s); last runs start afresh", self.state_file, exc)
            return {}

    def _save_state(self) -> None:
        if self.state_file is None:
            return
        data = {name: {"last_run": when.isoformat(), "ok": ok, "result": result}
                for name, (when, ok, result) in self._last.items()}
        try:
            atomic_write_text(self.state_file, json.dumps(data, indent=2))
        except OSError as exc:
            log.warning("cannot save %s: %s", self.state_file, exc)
