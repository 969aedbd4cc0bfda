"""Helpers shared by the command groups of ``pumpkin-patch``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from gui.paths import AppPaths


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
