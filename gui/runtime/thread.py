"""The runtime thread: the one thread that touches wasmtime Stores and Instances.

wasmtime objects are not thread-safe and wasmtime-py keeps the last host
exception in a module global, so every Store, Linker and Instance is created
and used here and nowhere else. Work arrives as callables on a queue;
results go back as ``concurrent.futures.Future`` objects, which asyncio code
awaits with :func:`asyncio.wrap_future` (done by :meth:`RuntimeThread.run`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_STOP = object()


class RuntimeThread:
    """A single worker thread with a FIFO of jobs."""

    def __init__(self, name: str = "plugin-runtime") -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._started = False
        self._closed = False

    @property
    def ident(self) -> int | None:
        return self._thread.ident

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def on_thread(self) -> bool:
        return threading.get_ident() == self._thread.ident

    def submit(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        if self._closed:
            raise RuntimeError("the plugin runtime is shut down")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((future, fn, args))
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the runtime thread and await its result."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            future, fn, args = job
            # This thread must not keep a job's work alive (a released plugin's
            # linker and component, say) once its waiter resumes, nor until the next job.
            job = None
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the waiter, never lost
                fn = args = None
                future.set_exception(exc)
            else:
                fn = args = None
                future.set_result(result)
            future = result = None

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued jobs, then end the thread."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        if self._started and not self.on_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("plugin runtime thread did not stop within %.0f s", timeout)
