"""``pumpkin-patch bench [NAME ...] [--json]``: run benchmarks, print medians."""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable

from gui.paths import AppPaths


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    bench = commands.add_parser("bench", help="measure speed and memory side by side (medians)")
    bench.add_argument("names", nargs="*", metavar="NAME",
                       help="benchmarks to run (default: all); see --list")
    bench.add_argument("--json", action="store_true",
                       help="print one JSON object {bench: {figure: number}}; "
                            "native_codec is 1 with the C value codec, 0 without")
    bench.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    bench.add_argument("--rounds", type=int, default=5, help="rounds per figure (median)")
    bench.add_argument("--quick", action="store_true",
                       help="fewer events per round (a smoke run, not for quoting)")
    bench.add_argument("--bots", type=int, default=None, metavar="N",
                       help="clients: how many bots join (default 20)")
    bench.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                       help="clients: how long the bots chat (default 30)")
    bench.set_defaults(handler=cmd_bench)
    profile_options(bench)


def cmd_bench(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.bench import REGISTRY, Options

    if args.list:
        for name, bench in REGISTRY.items():
            print(f"{name:<14} {bench.description}")
        return 0
    names = args.names or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"pumpkin-patch: unknown benchmark {', '.join(unknown)} "
              f"(have: {', '.join(REGISTRY)})", file=sys.stderr)
        return 2
    from gui.runtime import codec

    options = Options(rounds=max(1, args.rounds), quick=args.quick,
                      bots=None if args.bots is None else max(1, args.bots),
                      duration=None if args.duration is None else max(1.0, args.duration))
    results: dict[str, dict[str, float]] = {}
    # Which value codec ran: the figures differ several-fold between the two.
    if not args.json:
        print(f"value codec: {codec.implementation()}", flush=True)
    for name in names:
        if not args.json:
            print(f"running {name} ...", file=sys.stderr, flush=True)
        gc.collect()  # each bench starts on a clean heap, not the last one's garbage
        started = time.perf_counter()
        results[name] = REGISTRY[name].run(options)
        results[name]["native_codec"] = 1.0 if codec.native_available() else 0.0
        if not args.json:
            print(_table(name, results[name], time.perf_counter() - started), flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


def _table(name: str, figures: dict[str, float], seconds: float) -> str:
    width = max(len(k) for k in figures) if figures else 10
    lines = [f"{name}  ({seconds:.0f} s)"]
    lines += [f"  {key:<{width}}  {value:>12,.2f}" for key, value in figures.items()]
    return "\n".join(lines)
