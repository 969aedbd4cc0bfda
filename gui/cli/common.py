"""Helpers shared by the command groups of ``pumpkin-patch``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from gui.paths import AppPaths
from gui.server.escaping import escape_controls


class TerminalSafeStream:
    """A terminal's stdout or stderr for commands: printed text cannot steer the terminal.

    Commands print what plugins and sources say about themselves (names,
    descriptions, errors); a control character in it is shown escaped
    (gui/server/escaping.py). A write's leading carriage return is kept: it is
    how a progress line redraws itself, and at the start of a line it moves
    nothing.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        lead = "\r" if text.startswith("\r") else ""
        return self.raw.write(lead + escape_controls(text[len(lead):]))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def protect_terminal() -> None:
    """Escape control characters in what commands print to a terminal (not to pipes)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and stream.isatty() and not isinstance(stream,
                                                                     TerminalSafeStream):
            setattr(sys, name, TerminalSafeStream(stream))


def fail(message: str, code: int = 1) -> int:
    """Print ``pumpkin-patch: message`` to stderr and return the exit code."""
    print(f"pumpkin-patch: {message}", file=sys.stderr)
    return code


async def with_runtime(paths: AppPaths, work: Callable[[Any], Awaitable[int]]) -> int:
    """Run ``work(runtime)`` with a started plugin runtime, shut down afterwards."""
    from gui.plugins.files import MIB, set_max_plugin_bytes
    from gui.runtime import PluginRuntime
    from gui.settings import AppSettings

    # The same plugin file cap as the server (problems with the file: the server says).
    settings = AppSettings.load(paths.config_file, warn=lambda _message: None)
    set_max_plugin_bytes(settings.plugins.max_file_mb * MIB)
    runtime = PluginRuntime(paths.ensure().compile_cache_dir)
    runtime.start()
    try:
        return await work(runtime)
    finally:
        await asyncio.to_thread(runtime.shutdown)
