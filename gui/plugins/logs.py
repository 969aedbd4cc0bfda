"""Each plugin's own log: recent lines in memory, all lines in a file.

What a plugin writes is escaped (gui/server/escaping.py) before it is kept, so
its file can be read on a terminal without the plugin steering that terminal.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gui.server.escaping import escape_controls

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginLogLine:
    time: float
    level: str
    message: str


class PluginLog:
    """Lines a plugin wrote (logging.log, stdout, stderr) and what the host said about it."""

    def __init__(self, plugin: str, path: Path | None, keep: int = 2000) -> None:
        self.plugin = plugin
        self.lines: deque[PluginLogLine] = deque(maxlen=keep)
        self._path = path
        self._file: TextIO | None = None
        self._broken = False

    def write(self, level: str, message: str) -> PluginLogLine:
        """Record a line. Runs on the server loop: one buffered write, no open/close."""
        line = PluginLogLine(time.time(), level, escape_controls(message))
        self.lines.append(line)
        if self._path is not None and not self._broken:
            try:
                if self._file is None:
                    self._path.parent.mkdir(parents=True, exist_ok=True)
                    self._file = self._path.open("a", encoding="utf-8", buffering=1)
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(line.time))
                prefix = f"{stamp} [{level.upper()}] "
                self._file.write(prefix + line.message.replace("\n", "\n" + prefix) + "\n")
            except OSError as exc:
                self._broken = True  # keep serving; say it once
                log.warning("Cannot write the log of plugin %r to %s: %s", self.plugin,
                            self._path, exc)
        return line

    def close(self) -> None:
        """Close the file (on removal and shutdown); a later write opens it again."""
        if self._file is not None:
            self._file.close()
            self._file = None
