"""memory: what the app costs in RAM, and what each plugin adds (resident, MiB).

Every scenario runs in a fresh process (:mod:`gui.bench.memory_probe`), since
resident memory belongs to a process and one scenario's heap must not be
the next one's baseline:

(a) ``idle``: a headless server with no plugins;
(b) ``plugins``: the same with N = 1, 5 and 10 SDK plugins loaded from the
    compile cache. The bundled samples are 6, so plugins 7 to 10 are samples
    with a custom section appended (another sha256, another artifact: as
    costly as a new plugin). The cost per added plugin is the slope from 1 to
    10, anonymous and file-backed apart, next to the linear memory of one
    plugin (every memory of every core instance in it), so the overhead is a
    ratio;
(c) ``window``: the window on a fresh profile after the bundled samples are
    built and inspected (SDK builds reused, compiles and inspections fresh),
    and then with two of them installed from the samples source;
(d) ``cycles``: 10 install / uninstall cycles of one sample through the
    market's sideload path; the growth is what is not given back.

Figures are medians over ``rounds`` runs of each probe (one run with
``--quick``; the window scenario runs once, it takes a minute or more).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gui.bench.common import Bench, Options, bench_cache, median
from gui.devkit import devkit_cache_dir
from gui.paths import atomic_write_bytes

COUNTS = (1, 5, 10)
CYCLES = 10
PROBE_TIMEOUT_S = 1800.0


def run(options: Options) -> dict[str, float]:
    samples = _sample_files()
    files = variants(samples, max(COUNTS))
    rounds = 1 if options.quick else max(1, min(options.rounds, 3))
    _probe("plugins", *map(str, files))  # compiles whatever the bench cache lacks
    idle = _median_of([_probe("idle") for _ in range(rounds)])
    loaded = {n: _median_of([_probe("plugins", *map(str, files[:n])) for _ in range(rounds)])
              for n in COUNTS}
    cycles = [_probe("cycles", str(samples[0]), str(CYCLES)) for _ in range(rounds)]
    window = _probe("window")
    low, high = loaded[COUNTS[0]], loaded[COUNTS[-1]]
    added = COUNTS[-1] - COUNTS[0]
    per = {key: (high[key] - low[key]) / added for key in ("rss", "pss", "anon", "file")}
    linear = high["linear"] / COUNTS[-1]
    figures: dict[str, float] = {
        "idle_headless_mb": idle["rss"],
        "idle_headless_pss_mb": idle["pss"],
        "per_plugin_mb": per["rss"],
        "per_plugin_pss_mb": per["pss"],
        "per_plugin_anon_mb": per["anon"],
        "per_plugin_file_mb": per["file"],
        "per_plugin_linear_mb": linear,
        "per_plugin_over_linear": per["rss"] / linear if linear else 0.0,
    }
    for n in COUNTS:
        figures[f"plugins_{n}_mb"] = loaded[n]["rss"]
    figures.update({
        "window_at_start_mb": window["at_start"]["rss"],
        "window_after_samples_mb": window["rss"],
        "window_after_samples_pss_mb": window["pss"],
        "window_after_samples_anon_mb": window["anon"],
        "window_compiles": window["compiles"],
        "window_two_installed_mb": window["two_installed"]["rss"],
        "install_cycles": CYCLES,
        "install_cycles_growth_mb": median([c["last"]["rss"] - c["first"]["rss"]
                                            for c in cycles]),
        "install_cycles_after_first_mb": median([c["first"]["rss"] for c in cycles]),
    })
    return {key: round(value, 1) for key, value in figures.items()}


def _sample_files() -> list[Path]:
    from gui.devkit.sdk_build import build_samples
    from gui.market.embedded import EMBEDDED_SAMPLES

    built = build_samples(devkit_cache_dir() / "sdk", EMBEDDED_SAMPLES, jobs=1)
    return [built[name] for name in EMBEDDED_SAMPLES]


def variants(samples: list[Path], count: int) -> list[Path]:
    """``count`` distinct plugin files: the samples, then samples with a custom section.

    A custom section changes neither what the component does nor its
    metadata, but gives another sha256 and so another compiled artifact.
    """
    folder = bench_cache() / "memory-variants"
    files = []
    for index in range(count):
        source = samples[index % len(samples)]
        if index < len(samples):
            files.append(source)
            continue
        target = folder / f"{source.stem}-{index}.wasm"
        if not target.exists():
            wasm = source.read_bytes()
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, wasm + custom_section("pumpkin-patch-bench",
                                                             str(index).encode()))
        files.append(target)
    return files


def custom_section(name: str, payload: bytes) -> bytes:
    """A WebAssembly custom section (id 0), valid at the end of a component."""
    encoded = name.encode()
    body = _leb128(len(encoded)) + encoded + payload
    return b"\0" + _leb128(len(body)) + body


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _probe(scenario: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ, PUMPKIN_PATCH_BUILD_SAMPLES="0")
    done = subprocess.run(
        [sys.executable, "-m", "gui.bench.memory_probe", scenario, *args],
        capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, env=env,
        stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
    if done.returncode != 0:
        raise RuntimeError(f"memory probe {scenario!r} failed ({done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median_of(results: list[dict[str, Any]]) -> dict[str, float]:
    return {key: median([r[key] for r in results]) for key in results[0]
            if isinstance(results[0][key], int | float)}


BENCHES = [Bench("memory", "resident memory: idle headless server, per added SDK plugin "
                 "(vs its linear memory), the window after the samples are built, "
                 "install/uninstall cycles", run)]
