"""``pumpkin-patch sdk new|build|run``, as a plugin developer types them.

``new`` + ``build`` for both languages give components that real wasmtime
loads (``plugin inspect``); ``run`` is driven in a subprocess: the test
edits the source and sees the playtest player get the new reply.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gui.cli import main
from gui.devkit.project import PluginProject, ProjectError

pytestmark = pytest.mark.sdk


@pytest.mark.parametrize("language", ["python", "js"])
def test_new_then_build_gives_a_plugin_that_loads(tmp_path, capsys, language):
    assert main(["sdk", "new", "hello_dev", "--lang", language, "--dir", str(tmp_path)]) == 0
    project = tmp_path / "hello_dev"
    assert PluginProject.load(project).language == language
    assert (project / "README.md").is_file()
    out = tmp_path / "out" / "hello_dev.wasm"
    assert main(["sdk", "build", str(project), "-o", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    assert main(["--basedir", str(tmp_path / "profile"), "plugin", "inspect", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "hello_dev" in shown and "Greets players and answers /hello_dev." in shown


def test_new_refuses_an_existing_folder_and_a_bad_name(tmp_path, capsys):
    assert main(["sdk", "new", "twice", "--dir", str(tmp_path)]) == 0
    before = sorted(p.name for p in (tmp_path / "twice").iterdir())
    assert main(["sdk", "new", "twice", "--dir", str(tmp_path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "twice").iterdir()) == before
    assert main(["sdk", "new", "../escape", "--dir", str(tmp_path)]) == 1
    assert "cannot name a plugin project" in capsys.readouterr().err
    with pytest.raises(ProjectError, match=r"has no empty\.py or empty\.js"):
        (tmp_path / "empty").mkdir()
        PluginProject.load(tmp_path / "empty")


def test_a_build_error_names_the_file(tmp_path, capsys):
    main(["sdk", "new", "broken", "--lang", "js", "--dir", str(tmp_path)])
    source = tmp_path / "broken" / "broken.js"
    source.write_text(source.read_text() + "\nexport function (\n")
    assert main(["sdk", "build", str(tmp_path / "broken")]) == 1
    err = capsys.readouterr().err
    assert "Building the JavaScript plugin" in err and "broken.js" in err


class Running:
    """``pumpkin-patch sdk run DIR`` in a subprocess, its output read line by line."""

    def __init__(self, project: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gui", "sdk", "run", str(project)], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen; last lines:\n" + "\n".join(self.seen[-30:]))

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> int:
        try:
            self.type("stop")
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        finally:
            self.proc.wait()
            self.reader.join(timeout=10)
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    pipe.close()


def test_run_rebuilds_and_reloads_after_a_change(tmp_path):
    main(["sdk", "new", "hot", "--lang", "python", "--dir", str(tmp_path)])
    project = tmp_path / "hot"
    run = Running(project)
    try:
        run.wait_for("sdk run: watching")
        run.type("playtest run Dev hot")
        run.wait_for("Hello, Dev!")
        source = project / "hot.py"
        source.write_text(source.read_text().replace('f"Hello, {', 'f"Howdy, {'))
        run.wait_for("changed; rebuilding")
        run.wait_for("hot updated to 0.1.0")
        run.type("playtest run Dev hot")
        run.wait_for("Howdy, Dev!")
        # A broken save keeps the running version.
        source.write_text(source.read_text() + "\ndef oops(:\n")
        run.wait_for("the build failed; the running version stays")
        run.type("playtest run Dev hot")
        run.wait_for("Howdy, Dev!")
    finally:
        code = run.stop()
    assert code == 0


def test_run_refuses_a_host_that_is_not_one_before_building(tmp_path, capsys):
    main(["sdk", "new", "reacher", "--dir", str(tmp_path)])
    capsys.readouterr()
    assert main(["sdk", "run", str(tmp_path / "reacher"), "--http-host",
                 'http://example.org"']) == 1
    err = capsys.readouterr().err
    assert "--http-host" in err and "is a URL or path" in err
