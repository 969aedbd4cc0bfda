"""The 20 TPS tick loop and the tick-counted task scheduler.

:class:`TickLoop` runs on the asyncio loop and aims every tick at
``start + n * interval`` (``loop.time()``), so late ticks are caught up
without drift; when it falls more than two seconds behind it skips ahead
with a "Can't keep up!" warning like vanilla, instead of bursting.

:class:`Scheduler` runs plugin tasks counted in ticks. A task's callback is
started as an asyncio task and never awaited inside the tick, so a slow
plugin cannot lower the TPS; a repeating task whose previous run has not
finished skips that period.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gui.server.console import ConsoleLog

logger = logging.getLogger(__name__)

TICKS_PER_SECOND = 20
MAX_LAG_SECONDS = 2.0
SLOW_CALLBACK_LOG_EVERY = 100

TickCallback = Callable[[int], None]
TaskCallback = Callable[[], Awaitable[None] | None]


@dataclass
class _TickCallbackInfo:
    name: str
    callback: TickCallback
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=TICKS_PER_SECOND))
    failures: int = 0
    slow: int = 0


class TickLoop:
    """Calls the tick callbacks 20 times a second and measures how it keeps up.

    Attributes:
        tick_count: Ticks completed since the first start.
        skipped_ticks: Ticks given up on after falling too far behind.
    """

    def __init__(self, *, tps: float = TICKS_PER_SECOND) -> None:
        """Create a stopped tick loop.

        Args:
            tps: Target ticks per second.
        """
        self.target_tps = float(tps)
        self.interval = 1.0 / tps
        self.tick_count = 0
        self.skipped_ticks = 0
        self._callbacks: list[_TickCallbackInfo] = []
        self._failure_listeners: list[Callable[[BaseException], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started_at = 0.0
        self._completed: deque[float] = deque()
        self._durations: deque[float] = deque(maxlen=TICKS_PER_SECOND)

    # -- callbacks ----------------------------------------------------------

    def on_tick(self, callback: TickCallback, name: str | None = None) -> Callable[[], None]:
        """Call ``callback(tick_number)`` on every tick; each call is timed.

        Args:
            callback: A plain (sync) callable; keep it short.
            name: Used in timings and warnings; defaults to the callable's name.

        Returns:
            A callable that removes the callback.
        """
        info = _TickCallbackInfo(name or getattr(callback, "__qualname__", repr(callback)),
                                 callback)
        self._callbacks.append(info)

        def remove() -> None:
            if info in self._callbacks:
                self._callbacks.remove(info)

        return remove

    def timings(self) -> dict[str, float]:
        """Mean milliseconds per tick of each callback over the last 20 ticks."""
        return {
            info.name: (sum(info.durations) / len(info.durations) * 1000.0
                        if info.durations else 0.0)
            for info in self._callbacks
        }

    # -- running ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start ticking on the running event loop (no-op if already running)."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._completed.clear()
        self._durations.clear()
        self._task = self._loop.create_task(self._run(), name="tick-loop")
        self._task.add_done_callback(self._ended)

    def on_failure(self, listener: Callable[[BaseException], None]) -> None:
        """Call ``listener(exc)`` when the loop itself dies of an exception (not a stop).

        A failing tick callback is counted and logged, never fatal; this is
        for the loop's own machinery (the crash-loop guard restarts the server).
        """
        self._failure_listeners.append(listener)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        if self._task is task:
            self._task = None
        error = task.exception()
        assert error is not None
        logger.error("The tick loop failed", exc_info=error)
        for listener in list(self._failure_listeners):
            try:
                listener(error)
            except Exception:
                logger.exception("tick-loop failure listener %r failed", listener)

    async def stop(self) -> None:
        """Stop ticking and wait for the loop task to end (idempotent)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if (current := asyncio.current_task()) is not None and current.cancelling():
                raise

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self._started_at = next_tick = loop.time()
        while True:
            delay = next_tick - loop.time()
            # sleep(0) still yields, so catching up never starves the loop.
            await asyncio.sleep(delay if delay > 0 else 0)
            self._tick(loop)
            next_tick += self.interval
            behind = loop.time() - next_tick
            if behind > MAX_LAG_SECONDS:
                skipped = int(behind / self.interval)
                self.skipped_ticks += skipped
                next_tick += skipped * self.interval
                logger.warning(
                    "Can't keep up! Is the server overloaded? Running %d ms or %d ticks behind",
                    behind * 1000, skipped,
                )

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        started = time.perf_counter()
        self.tick_count += 1
        tick = self.tick_count
        for info in list(self._callbacks):
            began = time.perf_counter()
            try:
                info.callback(tick)
            except Exception:
                info.failures += 1
                if info.failures % SLOW_CALLBACK_LOG_EVERY == 1:
                    logger.exception("Tick callback %s failed on tick %d (%d failures so far)",
                                     info.name, tick, info.failures)
            spent = time.perf_counter() - began
            info.durations.append(spent)
            if spent > self.interval:
                info.slow += 1
                if info.slow % SLOW_CALLBACK_LOG_EVERY == 1:
                    logger.warning("Tick callback %s took %.1f ms (a tick has %.0f ms)",
                                   info.name, spent * 1000, self.interval * 1000)
        self._durations.append(time.perf_counter() - started)
        self._completed.append(loop.time())

    # -- measurements -------------------------------------------------------

    @property
    def tps(self) -> float:
        """Ticks completed in the last second, capped at the target (20.0)."""
        if self._loop is None or not self._completed:
            return 0.0
        now = self._loop.time()
        while self._completed and self._completed[0] < now - 1.0:
            self._completed.popleft()
        window = min(1.0, now - self._started_at)
        if window <= 0:
            return 0.0
        return min(self.target_tps, len(self._completed) / window)

    @property
    def mspt(self) -> float:
        """Mean milliseconds of tick work over the last 20 ticks."""
        if not self._durations:
            return 0.0
        return sum(self._durations) / len(self._durations) * 1000.0


@dataclass
class ScheduledTask:
    """A task of the :class:`Scheduler`.

    Attributes:
        id: The task id (unique, from 1).
        owner: The plugin (or ``"builtin"``) that scheduled it.
        due_tick: The tick it runs next.
        period: Ticks between runs; ``None`` for a one-off task.
        runs: How many times it was started.
        skipped: Periods skipped because the previous run was still going.
    """

    id: int
    owner: str
    callback: TaskCallback
    due_tick: int
    period: int | None = None
    runs: int = 0
    skipped: int = 0
    running: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def repeating(self) -> bool:
        return self.period is not None


class Scheduler:
    """Plugin tasks counted in ticks; :meth:`run_due` is called every tick.

    Attributes:
        current_tick: The tick of the last :meth:`run_due`.
        skipped: Periods skipped by all repeating tasks.
    """

    def __init__(self, *, console: ConsoleLog | None = None) -> None:
        """Create an empty scheduler.

        Args:
            console: Where task failures are reported (source: the owner).
        """
        self.current_tick = 0
        self.skipped = 0
        self._console = console
        self._tasks: dict[int, ScheduledTask] = {}
        self._ids = itertools.count(1)
        self._inflight: dict[asyncio.Task[None], ScheduledTask] = {}
        # Plugins schedule tasks from the plugin runtime thread while the tick
        # loop reads the table on the server loop: every access takes the lock.
        self._lock = threading.Lock()

    def schedule_delayed(self, owner: str, delay_ticks: int, callback: TaskCallback) -> int:
        """Run ``callback`` once, ``delay_ticks`` ticks from now (0 means next tick).

        Returns:
            The task id.

        Raises:
            ValueError: ``delay_ticks`` is negative.
        """
        self._check_delay(owner, delay_ticks)
        return self._add(ScheduledTask(next(self._ids), owner, callback,
                                       self.current_tick + delay_ticks))

    def schedule_repeating(self, owner: str, delay_ticks: int, period_ticks: int,
                           callback: TaskCallback) -> int:
        """Run ``callback`` after ``delay_ticks``, then every ``period_ticks``.

        Returns:
            The task id.

        Raises:
            ValueError: ``delay_ticks`` is negative or ``period_ticks`` below 1.
        """
        self._check_delay(owner, delay_ticks)
        if period_ticks < 1:
            raise ValueError(
                f"A repeating task of {owner!r} needs a period of at least 1 tick, "
                f"got {period_ticks}; use schedule_delayed for a task that runs once"
            )
        return self._add(ScheduledTask(next(self._ids), owner, callback,
                                       self.current_tick + delay_ticks, period_ticks))

    @staticmethod
    def _check_delay(owner: str, delay_ticks: int) -> None:
        if delay_ticks < 0:
            raise ValueError(f"A task of {owner!r} cannot have a negative delay ({delay_ticks})")

    def _add(self, task: ScheduledTask) -> int:
        with self._lock:
            self._tasks[task.id] = task
        return task.id

    def cancel(self, task_id: int) -> bool:
        """Stop a task from running again; a run already started is left to finish.

        Returns:
            Whether the task was still scheduled.
        """
        with self._lock:
            return self._tasks.pop(task_id, None) is not None

    def cancel_owner(self, owner: str) -> int:
        """Remove every task of ``owner`` and cancel its runs in progress.

        Returns:
            How many scheduled tasks were removed.
        """
        with self._lock:
            ids = [task.id for task in self._tasks.values() if task.owner == owner]
            for task_id in ids:
                del self._tasks[task_id]
        for running, task in list(self._inflight.items()):
            if task.owner == owner:
                running.cancel()
        return len(ids)

    def tasks(self, owner: str | None = None) -> list[ScheduledTask]:
        """The scheduled tasks (optionally of one owner), by id."""
        with self._lock:
            return [t for t in self._tasks.values() if owner is None or t.owner == owner]

    def run_due(self, tick: int) -> None:
        """Start every task due at or before ``tick`` (called by the tick loop)."""
        self.current_tick = tick
        with self._lock:
            due = [t for t in self._tasks.values() if t.due_tick <= tick]
            for task in due:
                if task.period is None:
                    del self._tasks[task.id]
        for task in due:
            if task.period is not None:
                task.due_tick = tick + task.period
                if task.running is not None and not task.running.done():
                    task.skipped += 1
                    self.skipped += 1
                    continue
            self._start(task)

    def _start(self, task: ScheduledTask) -> None:
        task.runs += 1
        try:
            result = task.callback()
        except Exception as exc:
            self._report(task, exc)
            return
        if not inspect.isawaitable(result):
            return
        running = asyncio.get_running_loop().create_task(
            self._guard(task, result), name=f"scheduled-{task.owner}-{task.id}"
        )
        task.running = running
        self._inflight[running] = task
        running.add_done_callback(self._finished)

    def _finished(self, running: asyncio.Task[None]) -> None:
        self._inflight.pop(running, None)

    async def _guard(self, task: ScheduledTask, awaitable: Awaitable[None]) -> None:
        try:
            await awaitable
        except Exception as exc:
            self._report(task, exc)

    def _report(self, task: ScheduledTask, exc: Exception) -> None:
        logger.error("Scheduled task %d of %s failed", task.id, task.owner, exc_info=exc)
        if self._console is not None:
            self._console.error(task.owner, f"Scheduled task {task.id} failed: {exc!r}")

    async def shutdown(self) -> None:
        """Drop every task and cancel and wait for the runs in progress."""
        self._tasks.clear()
        current = asyncio.current_task()
        running = [t for t in self._inflight if t is not current]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
