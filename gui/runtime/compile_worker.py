"""Compiling a component in a short-lived process: ``python -m gui.runtime.compile_worker``.

Why a process: Cranelift's working memory for a 32 MB pumpkin-api-py
component is ~400 MB of heap, spread over the compile threads' malloc
arenas, and glibc keeps most of it mapped after the compile: in the app it
stayed for good (a fresh profile's window reached ~1.7 GB after building the
samples). A worker compiles, writes the serialized artifact into the compile
cache and exits, so its heap goes back to the system at once; the app then
maps the artifact like any cache hit.

The worker reads the .wasm on stdin and compiles with the app's own engine
configuration (:func:`gui.runtime.engine_config.create_engine`, so the artifact is
valid for the app's engine). Exit status: 0 written; 2 not a valid
component (wasmtime's message on stderr); 3 the artifact could not be
written (why on stderr). Anything else, a signal included, is a crash,
reported by :class:`CompileWorkers` as :class:`CompileWorkerFailed` naming
the plugin; the next compile starts a new worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import wasmtime

from gui.errors import PumpkinPatchError

INVALID = 2
UNWRITABLE = 3
_TAIL = 400  # characters of a crashed worker's stderr kept in the message


class CompileWorkerFailed(PumpkinPatchError, RuntimeError):
    """A compile worker crashed or was killed; the message names the plugin."""

    def __init__(self, plugin: str, reason: str) -> None:
        super().__init__(f"compiling {plugin} failed: {reason}; try again (each compile "
                         "starts a new worker), and if it keeps failing check the free memory")
        self.plugin = plugin
        self.reason = reason


class ArtifactUnwritable(PumpkinPatchError, OSError):
    """The worker compiled but could not write into the cache (disk full, read-only)."""


class CompileWorkers:
    """Starts one worker process per compile and keeps track of the running ones.

    Args:
        niceness: Added to each worker's nice value, so a compile never takes
            the CPU from the window or the tick loop.
    """

    def __init__(self, niceness: int = 0) -> None:
        self.niceness = niceness
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.started = 0  # workers started so far (for tests and the bench)

    @property
    def available(self) -> bool:
        """Whether workers can start: a frozen app (PyInstaller and the like) has no
        ``python -m``, so it compiles in-process as before."""
        return not getattr(sys, "frozen", False)

    def pids(self) -> list[int]:
        """Process ids of the workers compiling now."""
        with self._lock:
            return [proc.pid for proc in self._running]

    def compile(self, wasm: bytes, artifact: Path, plugin: str) -> None:
        """Compile ``wasm`` into ``artifact`` in a new worker; blocks until it exits.

        Raises:
            wasmtime.WasmtimeError: ``wasm`` is not a valid component (wasmtime's message).
            ArtifactUnwritable: the artifact could not be written.
            CompileWorkerFailed: the worker crashed, was killed, or could not start.
        """
        command = [sys.executable, "-m", __name__, str(artifact), str(self.niceness)]
        with self._lock:
            if self._closed:
                raise CompileWorkerFailed(plugin, "the plugin runtime is shut down")
            try:
                proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        cwd=Path(__file__).resolve().parents[2])
            except OSError as exc:
                raise CompileWorkerFailed(plugin, f"the compile worker did not start: "
                                                  f"{exc}") from exc
            self._running.add(proc)
            self.started += 1
        try:
            try:
                _, err = proc.communicate(wasm)
            except BrokenPipeError:  # died before reading everything; its status says why
                proc.wait()
                err = proc.stderr.read() if proc.stderr else b""
        finally:
            with self._lock:
                self._running.discard(proc)
        message = err.decode("utf-8", "replace").strip()
        if proc.returncode == 0:
            return
        if proc.returncode == INVALID:
            raise wasmtime.WasmtimeError(message or "not a valid WebAssembly component")
        if proc.returncode == UNWRITABLE:
            raise ArtifactUnwritable(message)
        if self._closed:
            raise CompileWorkerFailed(plugin, "the plugin runtime shut down during the compile")
        raise CompileWorkerFailed(plugin, _describe_exit(proc.returncode, message))

    def stop(self) -> None:
        """Kill the workers still compiling (the app is closing); later compiles fail."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        for proc in running:
            proc.kill()


def _describe_exit(code: int, stderr: str) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = " (out of memory?)" if -code == signal.SIGKILL else ""
        reason = f"the compile worker was killed by {name}{why}"
    else:
        reason = f"the compile worker exited with status {code}"
    tail = stderr[-_TAIL:].strip()
    return f"{reason}: {tail}" if tail else reason


def main(argv: list[str]) -> int:
    """The worker: stdin .wasm -> ``argv[0]`` artifact, at nice value + ``argv[1]``."""
    artifact = Path(argv[0])
    niceness = int(argv[1]) if len(argv) > 1 else 0
    if niceness and hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # never a reason not to compile
            os.nice(niceness)
    from gui.paths import atomic_write_with
    from gui.runtime.component_bytes import compile_component, write_serialized
    from gui.runtime.engine_config import create_engine

    wasm = sys.stdin.buffer.read()
    try:
        comp = compile_component(create_engine(), wasm)
    except wasmtime.WasmtimeError as exc:
        print(str(exc).strip(), file=sys.stderr)
        return INVALID
    try:
        atomic_write_with(artifact, lambda handle: write_serialized(comp, handle.write))
    except (OSError, wasmtime.WasmtimeError) as exc:
        print(f"could not write {artifact}: {exc}", file=sys.stderr)
        return UNWRITABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
