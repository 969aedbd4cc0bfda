"""The app's memory and each plugin's share and trend (gui/plugins/memory_watch.py)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from gui.devkit.wat_build import build_fixture
from gui.plugins.memory_watch import MemoryWatch, describe
from gui.runtime.memory import ProcessMemory, process_memory
from tests.harness import Session

MIB = 1024 * 1024
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/smaps_rollup")


@linux_only
def test_process_memory_sees_a_heap_grow_and_shrink():
    before = process_memory()
    block = bytearray(64 * MIB)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident now
    during = process_memory()
    del block
    after = process_memory()
    assert before is not None and during is not None and after is not None
    assert during.anonymous - before.anonymous >= 60 * MIB
    assert during.rss - before.rss >= 60 * MIB
    assert during.file_backed == during.rss - during.anonymous
    assert 0 < during.pss <= during.rss + MIB
    assert after.rss < during.rss - 32 * MIB


def test_a_plugin_growing_toward_its_limit_is_reported_once_well_before_it(paths):
    """Real plugin records; their linear memory is what sample_memory would read."""
    warnings: list[tuple[str, str]] = []

    async def scenario():
        session = Session(paths)
        session.install(build_fixture("echo"),
                        build_fixture("echo", plugin_name="steady", command="ping2"))
        async with session:
            grower, steady = session.plugins.get("echo"), session.plugins.get("steady")
            limit = grower.instance.limits.memory_bytes
            watch = MemoryWatch(warn=lambda plugin, message: warnings.append((plugin, message)))
            watch.mark_base(ProcessMemory(rss=100 * MIB, pss=90 * MIB, anonymous=60 * MIB))
            plugins = [grower, steady]
            snapshots = []
            for second in range(0, 181, 2):  # 6 MiB a minute from 100 MiB; steady stays
                grower.memory_bytes = 100 * MIB + second * 6 * MIB // 60
                steady.memory_bytes = 2 * MIB
                app = ProcessMemory(rss=160 * MIB, pss=150 * MIB, anonymous=90 * MIB)
                snapshots.append(watch.sample(plugins, app, now=1000.0 + second))
            return limit, snapshots, grower.memory

    limit, snapshots, figures = asyncio.run(scenario())
    last = snapshots[-1]
    assert last.added_by_plugins == 60 * MIB
    assert last.plugins["echo"].share == last.plugins["steady"].share == 30 * MIB
    assert last.plugins["steady"].rate == 0 and not last.plugins["steady"].worrying
    grower = last.plugins["echo"]
    assert grower.rate == pytest.approx(6 * MIB / 60)
    assert grower.worrying and grower.linear < 0.5 * limit  # seen long before the limit
    assert figures is grower  # the counters read the same figures
    assert [plugin for plugin, _ in warnings] == ["echo"]  # once, not every sample
    assert "growing 6.0 MiB/min: the limit in ~26 min" in warnings[0][1]
    assert "echo grows 6.0 MiB/min" in last.note()
    # No verdict from the first few seconds of samples: a heap grows at start-up.
    assert not any(s.plugins["echo"].worrying for s in snapshots[:5])


def test_a_restarted_instance_starts_a_new_history(paths):
    async def scenario():
        session = Session(paths)
        session.install(build_fixture("echo"))
        async with session:
            plugin = session.plugins.get("echo")
            watch = MemoryWatch()
            app = ProcessMemory(rss=100 * MIB, pss=100 * MIB, anonymous=50 * MIB)
            for second, size in ((0, 10), (30, 200), (60, 240), (62, 2), (64, 2)):
                plugin.memory_bytes = size * MIB
                watch.sample([plugin], app, now=float(second))
            return watch.trends["echo"], plugin.memory

    trend, figures = asyncio.run(scenario())
    assert [size // MIB for _, size in trend.samples] == [2, 2]
    assert figures.rate is None and not figures.worrying


def test_describe_says_what_an_admin_needs():
    from gui.plugins.memory_watch import PluginMemory

    text = describe(PluginMemory("greeter", 120 * MIB, 256 * MIB, 30 * MIB, 4 * MIB / 60,
                                 34 * 60.0, True))
    assert text == ("120.0 MiB of 256 MiB linear memory, growing 4.0 MiB/min: "
                    "the limit in ~34 min")
