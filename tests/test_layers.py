"""The core runs headless: only gui/ui and gui/app.py may import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

GUI = Path(__file__).resolve().parents[1] / "gui"
QT_MODULES = ("PySide6", "qasync", "shiboken6")


def qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in QT_MODULES]
    return found


def test_no_qt_outside_ui_and_app():
    offenders = {}
    for path in GUI.rglob("*.py"):
        rel = path.relative_to(GUI).as_posix()
        if rel.startswith("ui/") or rel == "app.py":
            continue
        if found := qt_imports(path):
            offenders[rel] = found
    assert offenders == {}


@pytest.mark.parametrize("package", ["gui.core", "gui.cli", "gui.server", "gui.runtime",
                                     "gui.hostapi", "gui.plugins"])
def test_core_imports_without_qt_loaded(package):
    code = (f"import sys, {package}; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
