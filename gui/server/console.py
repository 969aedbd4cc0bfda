"""The server console: every line the server, plugins and playtests print.

:class:`ConsoleLog` keeps the recent lines in memory (for the GUI console and
tests), calls subscribers synchronously for each new line, mirrors lines to
the stdlib logger ``pumpkin_patch.console`` and, while the server runs,
appends them to ``<server dir>/logs/latest.log``, which is rotated on start
and whenever it grows past :data:`MAX_LOG_BYTES`.

Messages and sources are escaped (gui/server/escaping.py) when written, so
no line can carry a raw control character; each line of a multi-line
message is written to the log with the writer's prefix.

``write`` is thread-safe (the plugin runtime thread may log), but subscribers
run on the thread that wrote the line: a GUI subscriber must hop to its own
thread itself.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from gui.server.escaping import escape_controls, one_line
from gui.server.text import TextComponent

logger = logging.getLogger(__name__)
console_logger = logging.getLogger("pumpkin_patch.console")

LEVELS: tuple[str, ...] = ("debug", "info", "warn", "error")
_LOGGING_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
HISTORY_LINES = 10_000
# latest.log is rotated past this size, so a flood cannot fill the disk through one file.
MAX_LOG_BYTES = 16 << 20


@dataclass(frozen=True)
class ConsoleLine:
    """One line of console output.

    Attributes:
        time: When it was written (``time.time()``).
        level: ``"debug"``, ``"info"``, ``"warn"`` or ``"error"``.
        source: Who wrote it: ``"server"``, ``"playtest"`` or a plugin name.
        message: The plain text.
        text: The styled text, when the writer had one (for coloured output).
    """

    time: float
    level: str
    source: str
    message: str
    text: TextComponent | None = field(default=None, compare=False)

    def format(self) -> str:
        """Return the line as written to ``latest.log``.

        Example: ``[12:34:56] [INFO] [server] Done (0.120s)!``. Each line of a
        multi-line message carries the prefix, so no line of the log can pass
        for another writer's.
        """
        clock = _dt.datetime.fromtimestamp(self.time).strftime("%H:%M:%S")
        prefix = f"[{clock}] [{self.level.upper()}] [{self.source}] "
        return prefix + self.message.replace("\n", "\n" + prefix)


ConsoleSubscriber = Callable[[ConsoleLine], None]


class ConsoleLog:
    """In-memory console with subscribers and an optional log file.

    Attributes:
        history: The most recent lines, oldest first (at most 10 000).
    """

    def __init__(self, *, maxlen: int = HISTORY_LINES,
                 max_log_bytes: int = MAX_LOG_BYTES) -> None:
        """Create an empty console.

        Args:
            maxlen: How many lines ``history`` keeps.
            max_log_bytes: Size past which ``latest.log`` is rotated.
        """
        self.history: deque[ConsoleLine] = deque(maxlen=maxlen)
        self._subscribers: list[ConsoleSubscriber] = []
        self._lock = threading.RLock()
        self._file: TextIO | None = None
        self._file_path: Path | None = None
        self.max_log_bytes = max_log_bytes
        self._file_bytes = 0

    # -- writing ------------------------------------------------------------

    def write(
        self, level: str, source: str, message: str, *, text: TextComponent | None = None
    ) -> ConsoleLine:
        """Add a line, log it, append it to the log file and notify subscribers.

        Args:
            level: ``"debug"``, ``"info"``, ``"warn"`` (``"warning"`` is
                accepted) or ``"error"``.
            source: Who is writing (``"server"``, ``"playtest"``, a plugin).
            message: The plain text; a multi-line message stays one line
                in ``history``. Control characters but newline are escaped.
            text: The styled form of ``message``, if there is one.

        Returns:
            The line that was added.

        Raises:
            ValueError: ``level`` is not a console level.
        """
        level = "warn" if level == "warning" else level
        if level not in _LOGGING_LEVELS:
            raise ValueError(f"Unknown console level {level!r}: use one of {', '.join(LEVELS)}")
        line = ConsoleLine(time.time(), level, one_line(source), escape_controls(message), text)
        with self._lock:
            self.history.append(line)
            if self._file is not None:
                try:
                    formatted = line.format() + "\n"
                    self._file.write(formatted)
                    self._file.flush()
                    self._file_bytes += len(formatted.encode("utf-8", "replace"))
                    if self._file_bytes > self.max_log_bytes and self._file_path is not None:
                        self._open_locked(self._file_path.parent)
                except OSError:
                    logger.exception("Could not write to the console log %s", self._file_path)
            subscribers = list(self._subscribers)
        console_logger.log(_LOGGING_LEVELS[level], "[%s] %s", line.source, line.message)
        for callback in subscribers:
            try:
                callback(line)
            except Exception:
                # A broken view must not silence the console for everyone else.
                logger.exception("Console subscriber %r failed", callback)
        return line

    def debug(self, source: str, message: str, *, text: TextComponent | None = None) -> ConsoleLine:
        """Write a ``debug`` line (see :meth:`write`)."""
        return self.write("debug", source, message, text=text)

    def info(self, source: str, message: str, *, text: TextComponent | None = None) -> ConsoleLine:
        """Write an ``info`` line (see :meth:`write`)."""
        return self.write("info", source, message, text=text)

    def warn(self, source: str, message: str, *, text: TextComponent | None = None) -> ConsoleLine:
        """Write a ``warn`` line (see :meth:`write`)."""
        return self.write("warn", source, message, text=text)

    def error(self, source: str, message: str, *, text: TextComponent | None = None) -> ConsoleLine:
        """Write an ``error`` line (see :meth:`write`)."""
        return self.write("error", source, message, text=text)

    # -- reading ------------------------------------------------------------

    def subscribe(self, callback: ConsoleSubscriber) -> Callable[[], None]:
        """Call ``callback(line)`` for every new line.

        A subscriber that raises is logged and stays subscribed.

        Args:
            callback: A plain callable, called synchronously by ``write``.

        Returns:
            A callable that unsubscribes (safe to call more than once).
        """
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def lines(self, source: str | None = None, level: str | None = None) -> list[ConsoleLine]:
        """Return the history, optionally only one source and/or level."""
        with self._lock:
            return [
                line
                for line in self.history
                if (source is None or line.source == source)
                and (level is None or line.level == level)
            ]

    def messages(self, source: str | None = None) -> list[str]:
        """Return the messages of the history, optionally of one source only."""
        return [line.message for line in self.lines(source)]

    # -- log file -----------------------------------------------------------

    @property
    def log_file(self) -> Path | None:
        """The file lines are appended to, or ``None``."""
        return self._file_path

    def open_log_file(self, logs_dir: Path) -> Path:
        """Start appending to ``logs_dir/latest.log``.

        A previous ``latest.log`` is renamed to ``<its date and time>.log``
        first (``-2``, ``-3``... when that name is taken), like vanilla.

        Args:
            logs_dir: The folder (created if missing).

        Returns:
            The path of the new ``latest.log``.
        """
        with self._lock:
            return self._open_locked(logs_dir)

    def _open_locked(self, logs_dir: Path) -> Path:
        """Rotate ``latest.log`` and open a new one (the caller holds the lock)."""
        self.close_log_file()
        logs_dir.mkdir(parents=True, exist_ok=True)
        latest = logs_dir / "latest.log"
        if latest.exists():
            stamp = _dt.datetime.fromtimestamp(latest.stat().st_mtime).strftime("%Y-%m-%d-%H%M%S")
            target = logs_dir / f"{stamp}.log"
            counter = 2
            while target.exists():
                target = logs_dir / f"{stamp}-{counter}.log"
                counter += 1
            latest.rename(target)
        self._file = latest.open("a", encoding="utf-8")
        self._file_path = latest
        self._file_bytes = 0
        return latest

    def close_log_file(self) -> None:
        """Stop writing the log file (idempotent); history and subscribers stay."""
        with self._lock:
            if self._file is not None:
                self._file.close()
            self._file = None
            self._file_path = None
