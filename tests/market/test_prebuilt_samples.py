"""The bundle's samples: shipped built, published by the built-in source without the SDK."""

from __future__ import annotations

import asyncio

from gui.devkit import sdk_build
from gui.devkit.wat_build import build_fixture
from gui.market import embedded
from tests.harness import Session


def test_prebuilt_samples_are_published_without_running_the_sdk_builder(
        paths, tmp_path, monkeypatch):
    prebuilt = tmp_path / "prebuilt-samples"
    prebuilt.mkdir()
    (prebuilt / "greeter.wasm").write_bytes(
        build_fixture("echo", plugin_name="greeter", version="1.0.0").read_bytes())
    monkeypatch.setattr(embedded, "PREBUILT_SAMPLES", prebuilt)
    monkeypatch.setenv("PATH", "/nonexistent")  # no pumpkin-plugin-build to find
    builds = sdk_build.builds_run()

    async def main():
        session = Session(paths)
        session.core.build_samples = True
        session.core.market.embedded.names = ("greeter",)
        session.core.market.embedded.cache_dir = tmp_path / "empty-sdk-cache"
        async with session:
            market = session.core.market
            assert await market.wait_samples(timeout=120) == "ready", market.sources()[0].state
            results = await market.search(source="samples")
            assert [r.name for r in results] == ["greeter"]
            assert results[0].signer == market.sources()[0].fingerprint

    asyncio.run(main())
    assert sdk_build.builds_run() == builds
    assert not (tmp_path / "empty-sdk-cache").exists()
