"""What the benchmarks share: a throw-away profile, bench plugins, medians, timing."""

from __future__ import annotations

import shutil
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from gui.core import ServerCore
from gui.devkit import devkit_cache_dir
from gui.devkit.sdk_build import build_sdk_plugin
from gui.paths import AppPaths
from gui.plugins import FaultPolicy
from gui.runtime import Limits

REPO = Path(__file__).resolve().parents[2]
BENCH_PLUGINS = REPO / "resources" / "bench"


@dataclass(frozen=True)
class Bench:
    """One benchmark: ``run(options)`` returns its figures, e.g. ``{"ours_eps": ...}``."""

    name: str
    description: str
    run: Callable[[Options], dict[str, float]]


@dataclass
class Options:
    rounds: int = 5
    quick: bool = False  # fewer events per round (used by the test of the bench command)
    bots: int | None = None  # clients: how many bots (None: the bench's default)
    duration: float | None = None  # clients: seconds of chatting (None: the default)


def bench_cache() -> Path:
    """Cache dir of bench profiles: compiled components survive between bench runs."""
    return devkit_cache_dir() / "bench"


def sdk_bench_plugin() -> Path:
    return build_sdk_plugin(BENCH_PLUGINS / "sdk_bench", "sdk_bench", devkit_cache_dir() / "sdk")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


class BenchProfile:
    """A temporary profile with a server core; plugins copied in; removed afterwards."""

    def __init__(self, plugins: list[Path], *, limits: Limits | None = None,
                 policy: FaultPolicy | None = None, cache: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pumpkin-patch-bench-"))
        # Compiled plugins are shared between runs unless a bench asks for its own cache.
        self.paths = replace(AppPaths.under(self.root), cache_dir=cache or bench_cache())
        self.paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        for index, plugin in enumerate(plugins):
            shutil.copyfile(plugin, self.paths.plugins_dir / f"{index:02d}-{plugin.name}")
        self.core = ServerCore(self.paths, limits=limits)
        # No sample building/signing for the built-in market source in the
        # background: it would compete with what is being measured.
        self.core.build_samples = False
        if policy is not None:
            self.core.plugins.policy = policy

    async def __aenter__(self) -> ServerCore:
        await self.core.start()
        return self.core

    async def __aexit__(self, *exc: object) -> None:
        await self.core.stop()
        shutil.rmtree(self.root, ignore_errors=True)
