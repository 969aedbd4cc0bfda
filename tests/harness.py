"""A real server core for tests: temp profile, shared compile cache, console waits.

Tests drive the same :class:`gui.core.ServerCore` the app runs, with real
plugins, and wait for console lines instead of sleeping. Compiled plugins
are cached across test runs (a 32 MB SDK plugin compiles for ~10 s cold).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from gui.core import ServerCore
from gui.devkit import devkit_cache_dir
from gui.paths import AppPaths
from gui.plugins import FaultPolicy
from gui.runtime import Limits
from gui.server.console import ConsoleLine

# Quick restarts for tests; the real policy is 1 s, 2 s, 4 s.
FAST_POLICY = FaultPolicy(backoff=(0.05, 0.1, 0.2))


def test_cache_dir() -> Path:
    return devkit_cache_dir()


def test_paths(tmp_path: Path) -> AppPaths:
    """A fresh profile whose compile cache is shared between test runs."""
    paths = AppPaths.under(tmp_path / "profile")
    return replace(paths, cache_dir=test_cache_dir() / "profile-cache")


class Session:
    """A running core plus helpers to wait on what it prints."""

    def __init__(self, paths: AppPaths, *, limits: Limits | None = None,
                 policy: FaultPolicy = FAST_POLICY) -> None:
        self.paths = paths
        self.core = ServerCore(paths, limits=limits)
        self.core.plugins.policy = policy
        self.lines: list[ConsoleLine] = []
        self._changed = asyncio.Event()
        self.core.console.subscribe(self._on_line)
        self.notices: list[object] = []
        self.core.plugins.subscribe(self.notices.append)

    @property
    def server(self):
        return self.core.server

    @property
    def plugins(self):
        return self.core.plugins

    def install(self, *wasm: Path) -> None:
        self.paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        for path in wasm:
            shutil.copyfile(path, self.paths.plugins_dir / path.name)

    def _on_line(self, line: ConsoleLine) -> None:
        self.lines.append(line)
        self._changed.set()

    async def __aenter__(self) -> Session:
        await self.core.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.core.stop()

    async def run(self, command: str) -> None:
        await self.server.execute_console(command)

    def messages(self, source: str | None = None) -> list[str]:
        return [ln.message for ln in self.lines if source is None or ln.source == source]

    def seen(self, pattern: str, source: str | None = None) -> bool:
        regex = re.compile(pattern)
        return any(regex.search(m) for m in self.messages(source))

    async def wait_for(self, pattern: str, source: str | None = None, timeout: float = 10.0,
                       start: int = 0) -> str:
        """Wait for a console line matching ``pattern`` (after line ``start``)."""
        regex = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for line in self.lines[start:]:
                if (source is None or line.source == source) and regex.search(line.message):
                    return line.message
            remaining = deadline - loop.time()
            if remaining <= 0:
                tail = "\n".join(ln.format() for ln in self.lines[-25:])
                raise AssertionError(f"no console line matching {pattern!r} within "
                                     f"{timeout} s; last lines:\n{tail}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0,
                         what: str = "condition") -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                tail = "\n".join(ln.format() for ln in self.lines[-25:])
                raise AssertionError(f"{what} not reached within {timeout} s; "
                                     f"last lines:\n{tail}")
            await asyncio.sleep(0.02)
