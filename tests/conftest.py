"""Shared fixtures: a temp profile per test, with a compile cache shared across runs."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def paths(tmp_path):
    from tests.harness import test_paths

    return test_paths(tmp_path)
