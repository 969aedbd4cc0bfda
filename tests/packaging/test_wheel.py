"""The wheel ships the value codec compiled, and installs and runs with no compiler.

Built here with ``pip wheel`` (what cibuildwheel runs per platform, see
[tool.cibuildwheel] in pyproject.toml), then installed with ``--no-deps`` into
a folder with CC pointing at ``false`` and no compiler on PATH: a wheel is
unpacked, never compiled. Importing the runtime from that folder must pick
the compiled codec, with no warning.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _clean_checkout(tmp_path: Path) -> Path:
    """The sources without this checkout's builds (the in-place _valcodec*.so, .venv)."""
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.so", "__pycache__", "*.egg-info", ".*_cache"))
    return source


def _wheel(source: Path, out: Path, env: dict[str, str] | None = None) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    (wheel,) = out.glob("pumpkin_patch-*.whl")
    return wheel


def test_the_wheel_carries_the_compiled_codec_and_needs_no_compiler(tmp_path):
    wheel = _wheel(_clean_checkout(tmp_path), tmp_path / "wheels")
    assert not wheel.name.endswith("-none-any.whl"), wheel.name  # a platform wheel
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        assert "Root-Is-Purelib: false" in archive.read(meta).decode()
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert f"gui/runtime/_valcodec{suffix}" in names

    target = tmp_path / "installed"
    no_compiler = {**os.environ, "CC": "false", "CXX": "false",
                   "PATH": os.path.dirname(sys.executable)}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300, env=no_compiler)
    assert done.returncode == 0, done.stderr[-3000:]
    probe = ("import gui, gui.runtime.codec as c; "
             "print(gui.__file__); print(c.native_available())")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path,
                          env={**no_compiler, "PYTHONPATH": str(target)})
    assert done.returncode == 0, done.stderr[-3000:]
    where, native = done.stdout.split()
    assert Path(where).is_relative_to(target)  # the installed wheel, not this checkout
    assert native == "True"
    assert "cannot be imported" not in done.stderr


def test_a_source_build_without_a_compiler_still_installs_without_the_codec(tmp_path):
    """The extension is optional: no compiler gives a working wheel (and the fallback)."""
    wheel = _wheel(_clean_checkout(tmp_path), tmp_path / "wheels",
                   env={**os.environ, "CC": "false", "LDSHARED": "false"})
    with zipfile.ZipFile(wheel) as archive:
        assert not [n for n in archive.namelist() if "_valcodec" in n and n.endswith(".so")]
