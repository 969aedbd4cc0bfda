"""The one wasmtime Engine, its epoch ticker, and the compiled-component cache.

Every plugin shares one Engine (component model on, epoch interruption on).
A small daemon thread advances the engine's epoch every ``EPOCH_TICK``
seconds; each guest call sets its deadline in ticks, so a spinning plugin is
interrupted within its deadline plus one tick.

Compiled components are cached as serialized artifacts keyed by the .wasm's
sha256 and the wasmtime version, so a second start compiles nothing. A large
component is compiled in a worker process (:mod:`gui.runtime.compile_worker`)
that writes the artifact, so the compiler's heap never lands in the app;
every component then comes into the app by mapping its artifact.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import wasmtime
from wasmtime import component

from gui.paths import atomic_write_with
from gui.runtime.compile_worker import ArtifactUnwritable, CompileWorkers
from gui.runtime.component_bytes import compile_component, write_serialized

log = logging.getLogger(__name__)

EPOCH_TICK = 0.010  # seconds per epoch tick
# Components from this size on compile in a worker process. Below it the
# compiler's heap is a few MB and a process start (~0.3 s) would cost more
# than the compile (hand-written WAT fixtures are ~0.5 MB, SDK plugins 32 MB).
WORKER_MIN_BYTES = 4 * 1024 * 1024
WASMTIME_VERSION = version("wasmtime")


def deadline_ticks(seconds: float) -> int:
    """Epoch ticks for a deadline: never early, at most one tick late.

    The deadline counts from the current epoch, which may be up to a tick
    old already, hence the extra tick.
    """
    return math.ceil(seconds / EPOCH_TICK - 1e-9) + 1


class EpochTicker:
    """Advances the engine epoch on a fixed period from its own thread."""

    def __init__(self, engine: wasmtime.Engine, period: float = EPOCH_TICK) -> None:
        self._engine = engine
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="epoch-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            next_at += self._period
            self._engine.increment_epoch()
            delay = next_at - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_at = time.monotonic()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1)


@dataclass(frozen=True)
class CompiledComponent:
    component: component.Component
    sha256: str
    from_cache: bool
    seconds: float


class ComponentCache:
    """Compiles components, keeping serialized artifacts on disk.

    Key: sha256 of the .wasm plus the wasmtime version (artifacts are only
    valid for the engine that made them). A corrupt or stale artifact is
    discarded and recompiled.
    """

    def __init__(self, engine: wasmtime.Engine, cache_dir: Path, *,
                 workers: CompileWorkers | None = None,
                 worker_min_bytes: int = WORKER_MIN_BYTES) -> None:
        self._engine = engine
        self._dir = cache_dir
        self.workers = workers
        self.worker_min_bytes = worker_min_bytes
        self.compiles = 0  # how many real compilations happened (for tests and bench)

    def artifact_path(self, sha256: str) -> Path:
        return self._dir / f"{sha256}-wasmtime{WASMTIME_VERSION}.cwasm"

    def load(self, wasm: bytes, plugin: str = "the plugin") -> CompiledComponent:
        """The compiled component of ``wasm``: mapped from the cache, else compiled.

        Args:
            wasm: The component's bytes.
            plugin: What to call it in errors (its file name).

        Raises:
            wasmtime.WasmtimeError: not a valid component.
            CompileWorkerFailed: the compile worker crashed or was killed.
        """
        started = time.perf_counter()
        digest = hashlib.sha256(wasm).hexdigest()
        artifact = self.artifact_path(digest)
        if artifact.exists():
            try:
                comp = component.Component.deserialize_file(self._engine, str(artifact))
                return CompiledComponent(comp, digest, True, time.perf_counter() - started)
            except wasmtime.WasmtimeError as exc:
                log.warning("Discarding unusable compile cache entry %s: %s", artifact, exc)
                artifact.unlink(missing_ok=True)
        if (self.workers is not None and self.workers.available
                and len(wasm) >= self.worker_min_bytes):
            try:
                self.workers.compile(wasm, artifact, plugin)
            except ArtifactUnwritable as exc:  # compile here, keep it in memory only
                log.warning("Could not write compile cache entry %s: %s", artifact, exc)
            else:
                self.compiles += 1
                comp = component.Component.deserialize_file(self._engine, str(artifact))
                return CompiledComponent(comp, digest, False, time.perf_counter() - started)
        comp = compile_component(self._engine, wasm)
        self.compiles += 1
        try:
            atomic_write_with(artifact, lambda handle: write_serialized(comp, handle.write))
        except (OSError, wasmtime.WasmtimeError) as exc:  # a full disk must not stop the load
            log.warning("Could not write compile cache entry %s: %s", artifact, exc)
        return CompiledComponent(comp, digest, False, time.perf_counter() - started)
