"""Sample plugins built with Pumpkin's SDK (pumpkin-api-py) or componentize-js, for any test.

``sdk_plugin("dice")`` returns the path of the built ``dice.wasm``. Builds are
cached in ``$PUMPKIN_PATCH_TEST_CACHE/sdk`` (default
``~/.cache/pumpkin-patch-tests/sdk``), so they survive between test runs: only
the first run after a sample (or the SDK) changes pays ~15 s per sample.
"""

from __future__ import annotations

from pathlib import Path

from gui.devkit import devkit_cache_dir
from gui.devkit.sdk_build import build_plugin, sample_plugins

TEST_JS_PLUGINS = Path(__file__).parent / "js_plugins"


def sdk_cache_dir() -> Path:
    return devkit_cache_dir() / "sdk"


def sdk_plugin(name: str) -> Path:
    """Build (or reuse) the bundled sample ``name``; returns its .wasm path."""
    samples = sample_plugins()
    if name not in samples:
        raise KeyError(f"no sample plugin {name!r}; have {', '.join(sorted(samples))}")
    source_dir, module = samples[name]
    return build_plugin(source_dir, module, sdk_cache_dir())


def js_test_plugin(name: str) -> Path:
    """Build (or reuse) the JavaScript test plugin ``tests/js_plugins/<name>/<name>.js``."""
    return build_plugin(TEST_JS_PLUGINS / name, name, sdk_cache_dir())
