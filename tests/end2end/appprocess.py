"""The real app as a subprocess, driven through its structured log (``--json-log``).

:class:`AppProcess` starts ``python -m gui --basedir DIR --json-log`` on the
offscreen platform, collects every JSON line from stdout on a reader thread
and lets a test wait for a line (by source and regex) instead of sleeping;
stdin lines are console commands. Modelled on qutebrowser's
``tests/end2end/fixtures/quteprocess.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LogLine:
    time: float
    level: str
    source: str
    message: str


class AppProcess:
    """A running ``pumpkin-patch`` window process."""

    def __init__(self, basedir: Path, *extra_args: str, env: dict[str, str] | None = None
                 ) -> None:
        self.basedir = basedir
        environment = dict(os.environ)
        environment.update({"QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"})
        environment.setdefault("PUMPKIN_PATCH_BUILD_SAMPLES", "0")
        environment.update(env or {})
        self.lines: list[LogLine] = []
        self.other_output: list[str] = []
        self._changed = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gui", "--basedir", str(basedir), "--json-log",
             *extra_args],
            cwd=REPO, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, name="app-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            raw = raw.rstrip("\n")
            try:
                data = json.loads(raw)
                line = LogLine(data["time"], data["level"], data["source"], data["message"])
            except (ValueError, KeyError, TypeError):
                with self._changed:
                    self.other_output.append(raw)
                continue
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def mark(self) -> int:
        """Where the log is now; pass it as ``after`` to wait for what comes next."""
        with self._changed:
            return len(self.lines)

    def wait_for(self, pattern: str, source: str | None = None, *, after: int = 0,
                 timeout: float = 30.0) -> LogLine:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if (source is None or line.source == source) and regex.search(line.message):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None
                                      and not self._reader.is_alive()):
                    tail = "\n".join(f"[{ln.source}] {ln.message}" for ln in self.lines[-30:])
                    other = "\n".join(self.other_output[-15:])
                    raise AssertionError(
                        f"no {source or 'any'} line matching {pattern!r} within {timeout} s "
                        f"(exit code {self.proc.poll()}); last lines:\n{tail}\n"
                        f"other output:\n{other}")
                self._changed.wait(min(remaining, 0.5))

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._reader.join(5)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        if self.proc.stdout is not None:
            self._reader.join(5)
            self.proc.stdout.close()
