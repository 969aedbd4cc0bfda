"""Fixtures for window tests: a qasync loop inside pytest-qt, and the real app on a temp profile.

The test body stays synchronous and waits with ``qtbot.waitSignal`` /
``qtbot.waitUntil``: those spin Qt's event loop, and the qasync loop's
callbacks (the server's tasks, replies from the runtime thread) run on it.
A coroutine must never wait on a nested Qt loop (asyncio tasks cannot be
re-entered), so tests do not ``await`` anything themselves.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness import FAST_POLICY

START_TIMEOUT_MS = 180_000  # a cold compile of SDK plugins on a 2-core machine


@pytest.fixture
def qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """The app's event loop class, marked as running while pytest-qt spins Qt."""
    from gui.app import EventLoop

    loop = EventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        # Stop being the running loop without loop.stop(): that calls
        # QCoreApplication.exit(), after which every nested Qt loop (qtbot.wait*)
        # of the later tests would return at once.
        asyncio.events._set_running_loop(None)
        loop._QEventLoop__is_running = False  # qasync keeps it name-mangled
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def make_app(qtbot, qloop, paths) -> Iterator[Callable[..., object]]:
    """``make_app(*wasm, limits=None, samples=(), ...)`` starts the real Application and waits.

    ``wasm``: paths (or ``(file name, path)`` pairs) copied into the plugins dir;
    ``samples``: bundled samples the built-in source publishes (SDK builds, cached).
    """
    from gui.app import Application
    from gui.core import ServerCore

    apps: list[Application] = []

    def make(*wasm: Path | tuple[str, Path], limits=None, samples: tuple[str, ...] = (),
             expect_ready: bool = True, update_check_interval: float | None = None,
             ) -> Application:
        paths.ensure()
        paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        for item in wasm:  # a path, or (file name, path)
            if isinstance(item, tuple):
                name, path = item
            else:  # cached builds carry a key in their name: echo-<hex>.wasm
                path = item
                name = re.sub(r"-[0-9a-f]{16,}(?=\.wasm$)", "", Path(path).name)
            (paths.plugins_dir / name).write_bytes(Path(path).read_bytes())
        core = ServerCore(paths, limits=limits)
        core.plugins.policy = FAST_POLICY
        if update_check_interval is not None:
            core.update_check_interval = update_check_interval
        if samples:  # publish these bundled samples, built in the tests' SDK cache
            from tests.sdk_plugins import sdk_cache_dir

            core.build_samples = True
            core.market.embedded.cache_dir = sdk_cache_dir()
            core.market.embedded.names = tuple(samples)
        app = Application(paths, core=core, read_stdin=False)
        with qtbot.waitSignal(app.ready, timeout=START_TIMEOUT_MS) as started:
            app.start()
        assert started.args == [expect_ready], core.console.messages()[-20:]
        apps.append(app)
        return app

    yield make
    for app in apps:
        if not app._finished.is_set():
            with qtbot.waitSignal(app.finished, timeout=60_000):
                app.request_quit()


@pytest.fixture
def arun(qtbot, qloop) -> Callable[..., object]:
    """``arun(coro)``: run a coroutine on the app's loop, waiting with qtbot; its result."""

    def run(coro, timeout: int = 60_000):
        task = qloop.create_task(coro)
        qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()

    return run
