"""The benchmarks run and print what they promise (a smoke run: figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys

EXPECTED = {
    "dispatch-wat": {"ours_eps", "baseline_eps", "ratio", "direct_eps", "path_vs_direct"},
    "fanout": {"plugins", "events_per_s", "events_per_s_20_online", "all_delivered"},
    "runaway": {"deadline_ms", "overrun_ms_median", "tps_during_spin_median"},
}


def test_quick_benches_print_one_json_object_of_figures(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "gui", "bench", *EXPECTED, "--quick", "--rounds", "1",
         "--json", "--basedir", str(tmp_path)],
        capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert set(figures) == set(EXPECTED)
    for bench, keys in EXPECTED.items():
        assert keys <= set(figures[bench]), (bench, figures[bench])
        assert all(isinstance(v, int | float) for v in figures[bench].values())
    assert figures["fanout"]["all_delivered"] == 1.0  # every handler saw every event
    assert figures["fanout"]["plugins"] == 10
