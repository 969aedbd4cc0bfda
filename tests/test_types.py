"""The Qt-free core type-checks with mypy (configured in pyproject.toml [tool.mypy])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]


def test_mypy_passes_on_the_core():
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=TOP,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Success: no issues found" in proc.stdout, proc.stdout
