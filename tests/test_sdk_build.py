"""Building plugins with Pumpkin's SDK: the samples, the cache, build errors."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
import wasmtime
from wasmtime import component

from gui.devkit import build_cache, sdk_build
from gui.devkit.sdk_build import (
    SAMPLES_DIR,
    SdkBuildError,
    build_sdk_plugin,
    builds_run,
    cache_key,
    sample_plugins,
)
from tests.sdk_plugins import sdk_cache_dir, sdk_plugin

SAMPLES = ["announcer", "chat_filter", "crashy", "dice", "greeter", "hello_js", "motd_env",
           "notebook", "stats", "warp"]
# Component-model binary: "\0asm", then version 0x0d and layer 1.
COMPONENT_HEADER = b"\0asm\x0d\x00\x01\x00"


def test_samples_are_discovered() -> None:
    samples = sample_plugins()
    assert sorted(samples) == SAMPLES
    for name, (source_dir, module) in samples.items():
        assert source_dir == SAMPLES_DIR / name
        assert module == name
        language = "js" if name == "hello_js" else "py"
        assert (source_dir / f"{name}.{language}").is_file()
        assert (source_dir / "README.md").is_file()


@pytest.mark.sdk
@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_builds(name: str) -> None:
    wasm = sdk_plugin(name)
    assert wasm.name == f"{name}.wasm"
    assert wasm.parent.parent == sdk_cache_dir()
    with wasm.open("rb") as f:
        assert f.read(8) == COMPONENT_HEADER
    assert wasm.stat().st_size > 1_000_000


@pytest.mark.sdk
def test_wasmtime_accepts_a_built_sample() -> None:
    # Compiling a 32 MB component takes seconds: do it for one sample only.
    config = wasmtime.Config()
    config.wasm_component_model = True
    engine = wasmtime.Engine(config)
    comp = component.Component(engine, sdk_plugin("dice").read_bytes())
    exports = comp.type.exports(engine)
    imports = comp.type.imports(engine)
    for name in ("init-plugin", "on-load", "handle-command", "handle-event"):
        assert name in exports
    assert "pumpkin:plugin/metadata@0.1.0" in exports
    assert "pumpkin:plugin/command@0.1.0" in imports


@pytest.mark.sdk
def test_second_call_reuses_the_cached_build() -> None:
    first = sdk_plugin("greeter")
    before = first.stat()
    runs = builds_run()
    second = sdk_plugin("greeter")
    after = second.stat()
    assert second == first
    assert builds_run() == runs, "the builder ran again for an unchanged plugin"
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.sdk
def test_broken_source_raises_and_leaves_nothing_cached(tmp_path: Path) -> None:
    source = tmp_path / "broken_plugin"
    source.mkdir()
    (source / "broken_plugin.py").write_text("from pumpkin_api import Plugin\n\ndef oops(:\n")
    cache = tmp_path / "cache"
    runs = builds_run()

    with pytest.raises(SdkBuildError) as err:
        build_sdk_plugin(source, "broken_plugin", cache)

    message = str(err.value)
    assert str(source) in message
    assert "SyntaxError" in message
    assert "Fix the error" in message
    assert builds_run() == runs + 1
    assert list(cache.iterdir()) == []  # no output, no temp dir, no lock file


def test_cache_key_follows_sources_not_bytecode(tmp_path: Path) -> None:
    source = tmp_path / "greeter"
    shutil.copytree(SAMPLES_DIR / "greeter", source, ignore=shutil.ignore_patterns("__pycache__"))
    key = cache_key(source)
    assert len(key) == 64

    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "greeter.cpython-311.pyc").write_bytes(b"junk")
    assert cache_key(source) == key
    # What `sdk build` writes by default (PROJECT/NAME.wasm), a git folder and an
    # editor's swap file are no sources either: building again reuses the build.
    (source / "greeter.wasm").write_bytes(b"\0asm built")
    (source / ".git").mkdir()
    (source / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (source / ".greeter.py.swp").write_bytes(b"swap")
    assert cache_key(source) == key

    (source / "README.md").write_text("changed\n")
    changed = cache_key(source)
    assert changed != key

    (source / "extra.py").write_text("")
    assert cache_key(source) not in (key, changed)


def test_key_lock_excludes_and_cleans_up(tmp_path: Path) -> None:
    lock = tmp_path / ".k.lock"
    inside = 0
    overlaps = 0
    guard = threading.Lock()

    def worker() -> None:
        nonlocal inside, overlaps
        for _ in range(20):
            with build_cache._key_lock(lock):
                with guard:
                    inside += 1
                    overlaps += inside > 1
                time.sleep(0.001)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == 0
    assert not lock.exists()


def test_unknown_sample_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SdkBuildError, match="no_such_plugin"):
        sdk_build.build_samples(tmp_path, names=["no_such_plugin"])
