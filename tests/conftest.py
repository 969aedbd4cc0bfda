"""Shared fixtures: a temp profile per test, with a compile cache shared across runs."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app builds the sample plugins for its built-in marketplace source in the
# background; tests that want them build them explicitly (tests/market).
os.environ.setdefault("PUMPKIN_PATCH_BUILD_SAMPLES", "0")


@pytest.fixture
def paths(tmp_path):
    from tests.harness import test_paths

    return test_paths(tmp_path)


# Tests marked sdk may build the sample plugins with pumpkin-api-py and compile
# them cold (minutes on a fresh machine; cached after): they get a longer
# timeout than the suite's default, unless they set their own.
SDK_TIMEOUT = 1500


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("sdk") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SDK_TIMEOUT))
