"""The memory bench's parts: a probe process prints its figures; variants are new plugins.

The whole bench takes minutes (SDK plugins, the window on a fresh profile),
so it is not run here; figures are never judged in tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys

import pytest

from gui.bench.memory import custom_section
from gui.devkit.wat_build import build_fixture
from gui.plugins.inspect import inspect_file
from gui.runtime import PluginRuntime


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_idle_probe_prints_one_json_line_of_process_figures(tmp_path):
    done = subprocess.run([sys.executable, "-m", "gui.bench.memory_probe", "idle"],
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures) == {"rss", "pss", "anon", "file"}
    assert figures["rss"] > 10 and 0 < figures["anon"] < figures["rss"]
    assert figures["file"] == pytest.approx(figures["rss"] - figures["anon"])


def test_a_custom_section_makes_another_artifact_of_the_same_plugin(tmp_path):
    echo = build_fixture("echo")
    variant = tmp_path / "echo-variant.wasm"
    variant.write_bytes(echo.read_bytes() + custom_section("pumpkin-patch-bench", b"7"))

    async def scenario():
        runtime = PluginRuntime(tmp_path / "cache")
        runtime.start()
        try:
            return (await inspect_file(runtime, echo), await inspect_file(runtime, variant),
                    runtime.cache.compiles)
        finally:
            runtime.shutdown()

    original, copy, compiles = asyncio.run(scenario())
    assert copy.metadata == original.metadata
    assert copy.sha256 == hashlib.sha256(variant.read_bytes()).hexdigest() != original.sha256
    assert compiles == 2
