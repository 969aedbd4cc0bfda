"""The one wasmtime Engine, its epoch ticker, and the compiled-component cache.

Every plugin shares one Engine (component model on, epoch interruption on).
A small daemon thread advances the engine's epoch every ``EPOCH_TICK``
seconds; each guest call sets its deadline in ticks, so a spinning plugin is
interrupted within its deadline plus one tick.

Compiled components are cached as serialized artifacts keyed by the .wasm's
sha256 and the wasmtime version, so a second start compiles nothing.
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
from gui.runtime.codec import compile_component, write_serialized

log = logging.getLogger(__name__)

EPOCH_TICK = 0.010  # seconds per epoch tick
WASMTIME_VERSION = version("wasmtime")


def create_engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    config.wasm_component_model = True
    config.epoch_interruption = True
    config.parallel_compilation = True
    return wasmtime.Engine(config)


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

    def __init__(self, engine: wasmtime.Engine, cache_dir: Path) -> None:
        self._engine = engine
        self._dir = cache_dir
        self.compiles = 0  # how many real compilations happened (for tests and bench)

    def artifact_path(self, sha256: str) -> Path:
        return self._dir / f"{sha256}-wasmtime{WASMTIME_VERSION}.cwasm"

    def load(self, wasm: bytes) -> CompiledComponent:
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
        comp = compile_component(self._engine, wasm)
        self.compiles += 1
        try:
            atomic_write_with(artifact, lambda handle: write_serialized(comp, handle.write))
        except (OSError, wasmtime.WasmtimeError) as exc:  # a full disk must not stop the load
            log.warning("Could not write compile cache entry %s: %s", artifact, exc)
        return CompiledComponent(comp, digest, False, time.perf_counter() - started)
