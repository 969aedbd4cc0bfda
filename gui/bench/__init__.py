"""``pumpkin-patch bench``: speed and memory figures, measured side by side in one run.

Each benchmark module lists :class:`~gui.bench.common.Bench` objects whose
``run(options)`` returns named figures. Comparisons are measured in the same
run on the same machine and reported as medians of several rounds (the
machine is shared and noisy). Tests never assert timings; these figures are
what closing notes quote.
"""

from __future__ import annotations

from gui.bench import clients, dispatch, fanout, load, memory, runaway
from gui.bench.common import Bench, Options

REGISTRY: dict[str, Bench] = {}

for _module in (dispatch, runaway, load, fanout, memory, clients):
    for _bench in _module.BENCHES:
        REGISTRY[_bench.name] = _bench

try:  # the window's benchmark needs Qt; the others run without it
    from gui.bench import gui_latency
except ImportError:  # Qt missing, or the module is not there yet
    pass
else:
    for _bench in gui_latency.BENCHES:
        REGISTRY[_bench.name] = _bench

__all__ = ["REGISTRY", "Bench", "Options"]
