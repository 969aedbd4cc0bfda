"""Building plugins (and installing the test clients) for development, tests and benchmarks.

- :mod:`gui.devkit.project`: a plugin project on disk (name, language, world).
- :mod:`gui.devkit.sdk_build`: plugins written with Pumpkin's Python SDK
  (pumpkin-api-py), built with ``pumpkin-plugin-build`` (or against our world,
  :mod:`gui.devkit.host_world_build`) and cached by source hash (the bundled
  samples in ``resources/plugins``); :func:`~gui.devkit.sdk_build.build_plugin`
  builds a project in either language.
- :mod:`gui.devkit.js_build`: JavaScript plugins, with componentize-js from npm.
- :mod:`gui.devkit.scaffold` and :mod:`gui.devkit.watch`: ``sdk new`` and ``sdk run``.
- :mod:`gui.devkit.wat_build`: small plugin components from hand-written
  WAT (``resources/wat``), made with wasm-tools; no guest toolchain needed.
- :mod:`gui.devkit.node_clients`: real Minecraft Java clients (npm
  mineflayer bots from ``resources/clients``) for tests and ``bench clients``.

The builders cache their output under :func:`devkit_cache_dir`, which survives
between runs: ``$PUMPKIN_PATCH_TEST_CACHE`` when set (tests and CI), else
``~/.cache/pumpkin-patch-tests``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "PUMPKIN_PATCH_TEST_CACHE"


def devkit_cache_dir() -> Path:
    root = os.environ.get(CACHE_ENV)
    return Path(root) if root else Path.home() / ".cache" / "pumpkin-patch-tests"
