"""`pumpkin-patch bench clients` runs real bots against the headless core (a tiny smoke run)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

KEYS = {"bots", "dropped", "chat_lines", "chat_delivered_ratio", "tps_median", "tps_min",
        "join_ms_median", "join_ms_max"}
BOTS = 3
SECONDS = 3


@pytest.fixture(scope="module")
def figures(node_clients, tmp_path_factory):
    done = subprocess.run(
        [sys.executable, "-m", "gui", "bench", "clients", "--bots", str(BOTS), "--duration",
         str(SECONDS), "--json", "--basedir", str(tmp_path_factory.mktemp("bench"))],
        capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_bench_prints_its_figures_as_one_json_object(figures):
    assert set(figures) == {"clients"}
    clients = figures["clients"]
    assert set(clients) >= KEYS, clients
    assert all(isinstance(v, int | float) for v in clients.values())
    assert clients["bots"] == BOTS
    assert 0 <= clients["dropped"] <= BOTS
    assert 0.0 <= clients["chat_delivered_ratio"] <= 1.0
    assert clients["join_ms_median"] <= clients["join_ms_max"]


def test_every_bot_joins_and_every_line_reaches_every_bot(figures):
    clients = figures["clients"]
    assert clients["dropped"] == 0
    assert clients["chat_lines"] == BOTS * SECONDS
    assert clients["chat_delivered_ratio"] == 1.0
    assert clients["tps_min"] > 0
    assert 0 < clients["join_ms_median"] <= clients["join_ms_max"]
