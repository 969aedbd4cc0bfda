"""``pumpkin-patch --headless``: the server on stdin/stdout, for machines without a screen.

Console lines go to stdout (``[12:34:56] [INFO] [server] ...``, or one JSON
object per line with ``--json-log`` for scripts and tests); each stdin line
is a console command. Runs until ``stop``, SIGINT or SIGTERM; plugins get
on-unload on the way out.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
from typing import TextIO

from gui.core import ServerCore
from gui.paths import AppPaths
from gui.profile_lock import ProfileLocked
from gui.server.console import ConsoleLine
from gui.server.instance import ServerStartError

LEVEL_COLOURS = {"debug": "\033[2m", "warn": "\033[33m", "error": "\033[31m"}


class ConsolePrinter:
    """Writes console lines to a stream, plain, coloured (TTY) or as JSON."""

    def __init__(self, stream: TextIO, *, json_lines: bool = False) -> None:
        self._stream = stream
        self._json = json_lines
        self._colour = not json_lines and stream.isatty()

    def __call__(self, line: ConsoleLine) -> None:
        if self._json:
            text = json.dumps({"time": line.time, "level": line.level, "source": line.source,
                               "message": line.message})
        elif self._colour and line.level in LEVEL_COLOURS:
            text = f"{LEVEL_COLOURS[line.level]}{line.format()}\033[0m"
        else:
            text = line.format()
        try:
            self._stream.write(text + "\n")
            self._stream.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader went away; the server keeps running


def _read_stdin(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
    loop.call_soon_threadsafe(lines.put_nowait, None)


async def run_headless(paths: AppPaths, *, json_log: bool = False) -> int:
    core = ServerCore(paths)
    core.console.subscribe(ConsolePrinter(sys.stdout, json_lines=json_log))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, core.server.request_stop)
    try:
        await core.start()
    except (ProfileLocked, ServerStartError) as exc:  # the reason says what to change
        print(f"pumpkin-patch: {exc}", file=sys.stderr)
        await core.stop()
        return 1
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_stdin, args=(loop, lines), name="stdin", daemon=True).start()
    stopped = asyncio.ensure_future(core.wait_stopped())
    try:
        while not stopped.done():
            reader = asyncio.ensure_future(lines.get())
            done, _ = await asyncio.wait({reader, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if reader not in done:
                reader.cancel()
                break
            line = reader.result()
            if line is None:  # stdin closed: keep serving until stop or a signal
                await stopped
                break
            if line.strip():
                await core.server.execute_console(line)
    finally:
        await core.stop()
    return 0
