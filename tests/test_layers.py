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


def test_the_layer_contract_holds():
    """pyproject.toml's [tool.importlinter] layers, checked by import-linter."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True,
                          cwd=GUI.parent, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of gui modules (imports under TYPE_CHECKING count)."""
    import grimp

    graph = grimp.build_graph("gui")
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        order[module] = low[module] = len(order)
        stack.append(module)
        for other in edges[module]:
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(edges):
        if module not in order:
            visit(module)
    return cycles


def test_no_import_cycles():
    assert import_cycles() == []


SIZE_LIMIT = 500
ALLOWED_LARGER: set[str] = set()  # a module past the limit names itself here, with why


def test_no_module_over_the_size_limit():
    over = {path.relative_to(GUI).as_posix(): n for path in GUI.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > SIZE_LIMIT}
    assert set(over) <= ALLOWED_LARGER, over
