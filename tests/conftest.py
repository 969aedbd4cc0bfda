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
