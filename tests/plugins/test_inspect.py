"""``pumpkin-patch plugin inspect``: metadata without running on-load; clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gui.cli import main
from gui.devkit.wat_build import build_fixture, core_module_bytes


def inspect(capsys, tmp_path, target, *extra):
    code = main(["--basedir", str(tmp_path / "profile"), "plugin", "inspect", str(target), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_prints_metadata_and_permissions(capsys, tmp_path):
    wasm = build_fixture("echo", permissions=["fs.read.data", "sys.env.HOME"])
    code, out, _ = inspect(capsys, tmp_path, wasm, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "echo"
    assert data["version"] == "0.1.0"
    assert data["authors"] == ["tests"]
    assert data["permissions"] == ["fs.read.data", "sys.env.HOME"]
    assert data["world"] == "pumpkin:plugin@0.1.0"
    assert len(data["sha256"]) == 64
    # echo imports only what it uses: everything it calls is implemented here.
    assert data["unimplemented_imports"] == []


def test_inspect_does_not_run_on_load(capsys, tmp_path):
    # trap-on-load would trap in on-load; inspect must not get there.
    code, out, _ = inspect(capsys, tmp_path, build_fixture("trap-on-load"))
    assert code == 0
    assert "trap-on-load" in out


def test_inspect_lists_unimplemented_imports(capsys, tmp_path):
    code, out, _ = inspect(capsys, tmp_path, build_fixture("unimplemented-import"), "--json")
    assert code == 0
    assert "pumpkin:plugin/i18n@0.1.0#translate" in json.loads(out)["unimplemented_imports"]


def _bad_files(tmp_path):
    good = build_fixture("echo").read_bytes()
    truncated = tmp_path / "truncated.wasm"
    truncated.write_bytes(good[: len(good) // 2])
    random = tmp_path / "random.wasm"
    random.write_bytes(os.urandom(4096))
    core = tmp_path / "core.wasm"
    core.write_bytes(core_module_bytes())
    return {
        "truncated": (truncated, "not a valid WebAssembly component"),
        "random": (random, "not a WebAssembly file"),
        "core": (core, "a core WebAssembly module, not a component"),
        "other-world": (build_fixture("not-a-plugin"),
                        "missing export pumpkin:plugin/metadata@0.1.0"),
        "future-major": (build_fixture("future-major"), "targets pumpkin:plugin@2.0.0"),
        "missing": (tmp_path / "nope.wasm", "cannot read"),
    }


@pytest.mark.parametrize("case", ["truncated", "random", "core", "other-world", "future-major",
                                  "missing"])
def test_inspect_refuses_bad_input_clearly(capsys, tmp_path, case):
    path, expected = _bad_files(tmp_path)[case]
    code, out, err = inspect(capsys, tmp_path, path)
    assert code != 0
    assert out == ""
    assert expected in err
    assert path.name in err  # the message names the file


def test_inspect_command_line_entry_point(tmp_path):
    """The installed console script, as a user runs it."""
    wasm = build_fixture("echo")
    result = subprocess.run(
        [sys.executable, "-m", "gui", "--temp-basedir", "plugin", "inspect", str(wasm)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Name" in result.stdout and "echo" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "gui", "plugin", "inspect", str(tmp_path / "x.wasm"),
         "--temp-basedir"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert bad.returncode == 1
    assert "x.wasm" in bad.stderr
