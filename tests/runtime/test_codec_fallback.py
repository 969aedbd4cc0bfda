"""Without the C value codec, plugins still load and dispatch (wasmtime-py's own conversion).

The codec is hidden the way a missing or broken build looks to Python: the
import of ``gui.runtime._valcodec`` raises ImportError (``sys.modules`` entry
set to None before anything imports the runtime). The real headless server
then runs the echo plugin: on-load registers an event handler and a command
(resources lowered and lifted); chat-cancel's handle-event gets a chat event
(Pumpkin's 273-case event variant) and hands it back cancelled; a command goes
through handle-command (a command-sender resource the plugin answers through).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gui.devkit.wat_build import build_fixture
from gui.runtime import codec
from tests.sdk_plugins import sdk_plugin

REPO = Path(__file__).resolve().parents[2]
WARNING = "the C value codec (gui.runtime._valcodec) cannot be imported"

HIDE_CODEC = "import sys; sys.modules['gui.runtime._valcodec'] = None\n"
RUN = "import sys\nfrom gui.cli import main\nraise SystemExit(main(sys.argv[1:]))\n"


def _run(args: list[str], stdin: str = "", *, hide: bool = True) -> subprocess.CompletedProcess:
    code = (HIDE_CODEC if hide else "") + RUN
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, cwd=REPO,
                          capture_output=True, text=True, timeout=240,
                          env={**os.environ, "PYTHONUNBUFFERED": "1",
                               "PUMPKIN_PATCH_BUILD_SAMPLES": "0"})


def test_this_build_has_the_c_codec():
    """The suite's own runs use the compiled codec (else the test below proves nothing new)."""
    assert codec.native_available(), codec.implementation()


def test_plugins_load_and_dispatch_with_the_codec_hidden_and_one_warning(tmp_path):
    plugins = tmp_path / "profile" / "data" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "echo.wasm").write_bytes(build_fixture("echo").read_bytes())
    (plugins / "chat-cancel.wasm").write_bytes(build_fixture("chat-cancel").read_bytes())
    commands = "\n".join(["playtest join Zoe", "playtest chat Zoe hello there",
                          "playtest run Zoe ping", "plugins", "stop", ""])
    done = _run(["--headless", "--json-log", "--basedir", str(tmp_path / "profile")], commands)
    assert done.returncode == 0, done.stderr[-3000:]
    messages = [json.loads(line)["message"] for line in done.stdout.splitlines()]
    assert "Loaded echo" in "\n".join(messages), messages
    assert "Loaded chat-cancel" in "\n".join(messages), messages
    # chat-cancel's handle-event returned the event cancelled: it was lowered, run, lifted.
    assert "Chat from Zoe cancelled by a plugin: hello there" in messages, messages
    assert not any("<Zoe> hello there" in m for m in messages), messages
    assert not any("trapped" in m or "fault" in m.lower() for m in messages), messages
    assert "Zoe <- feedback: pong" in messages, messages  # handle-command answered the sender
    assert any("echo unloaded" in m for m in messages), messages
    warnings = [line for line in done.stderr.splitlines() if WARNING in line]
    assert len(warnings) == 1, done.stderr
    assert "slower, same results" in warnings[0] and "gcc, python3-dev" in warnings[0]


@pytest.mark.sdk
def test_our_worlds_error_values_pass_with_the_codec_hidden(tmp_path):
    """Host code names the case of our results (``ok()`` / ``err()``); pure Python reads it too.

    The notebook's storage and notify calls return ``result<_, error>`` values
    whose error is a variant: a saved note (ok), a note past the 1 KiB quota
    (err quota-exceeded), and a notice (ok).
    """
    profile = tmp_path / "profile"
    plugins = profile / "data" / "plugins"
    plugins.mkdir(parents=True)
    shutil.copyfile(sdk_plugin("notebook"), plugins / "notebook.wasm")
    (profile / "config").mkdir()
    (profile / "config" / "config.toml").write_text(
        '[plugins]\nallowed_permissions = ["storage.kv", "admin.notify"]\ncall_deadline_ms = 2000\n'
        "storage_quota_kib = 1\n")
    commands = "\n".join(["playtest join Zoe", "playtest run Zoe note buy pumpkins",
                          "playtest run Zoe note " + "x" * 1100, "playtest run Zoe alert hi",
                          "stop", ""])
    done = _run(["--headless", "--json-log", "--basedir", str(profile)], commands)
    assert done.returncode == 0, done.stderr[-3000:]
    messages = [json.loads(line)["message"] for line in done.stdout.splitlines()]
    assert "Zoe <- feedback: Saved note #1" in messages, messages
    assert ("Zoe <- feedback: Could not save the note: storage is full (quota 1024 bytes)"
            in messages), messages
    assert "Zoe <- feedback: The admin has been told" in messages, messages
    assert not any("trapped" in m for m in messages), messages


def test_bench_and_version_say_which_codec_ran(tmp_path):
    hidden = _run(["--version"])
    assert hidden.returncode == 0, hidden.stderr
    assert "value codec: pure Python" in hidden.stdout
    assert sum(WARNING in line for line in hidden.stderr.splitlines()) == 1
    shown = _run(["--version"], hide=False)
    assert "value codec: C extension" in shown.stdout
    assert WARNING not in shown.stderr
    listed = _run(["bench", "runaway", "--quick", "--rounds", "1", "--json",
                   "--basedir", str(tmp_path / "b")])
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert json.loads(listed.stdout)["runaway"]["native_codec"] == 0.0


# Tests of test_codec.py about the C codec itself (its error texts, its plans, its
# refusal of another value layout) or its internals; everything else is a round trip.
C_CODEC_ONLY = ("bad_host_value", "native", "bound_frozen", "do_not_query", "func_internals")


def test_every_value_kind_round_trips_with_the_codec_hidden():
    """tests/runtime/test_codec.py's round trips, through a real component, in pure Python."""
    selection = " and ".join(f"not {name}" for name in C_CODEC_ONLY)
    code = (HIDE_CODEC + "import pytest\n"
            "raise SystemExit(pytest.main(['tests/runtime/test_codec.py', '-q', '-p', "
            f"'no:cacheprovider', '-k', {selection!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary, summary
    assert int(summary.split(" passed")[0].split()[-1]) >= 70, summary
