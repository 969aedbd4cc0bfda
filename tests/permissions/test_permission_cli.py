"""``pumpkin-patch plugin add / grants / grant / revoke / approve / decline``.

The console questions are asked through ``gui.cli.plugin_terminal.ask`` when
``gui.cli.plugin_terminal.is_interactive()`` says a terminal is attached; tests
replace both. The resulting decisions are checked in grants.json and in a
real server core started on the same profile.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

import gui.cli.plugin_terminal as plugin_cli
from gui.cli import main
from gui.devkit.wat_build import build_fixture
from gui.permissions import DecisionState
from gui.plugins import PluginState
from tests.harness import Session
from tests.permissions.perm_support import approve, sha256_of, store_for

FS = ["fs.read.data", "fs.write.data"]
NAME = "data-file"


def cli(paths, *args: str) -> int:
    return main(["--basedir", str(paths.config_dir.parent), "plugin", *args])


@pytest.fixture
def no_tty(monkeypatch):
    monkeypatch.setattr(plugin_cli, "is_interactive", lambda: False)


@pytest.fixture
def tty(monkeypatch):
    """A terminal whose answers come from ``tty.answers``; ``tty.questions`` records."""

    terminal = SimpleNamespace(answers=[], questions=[])

    def ask(question: str) -> str:
        terminal.questions.append(question)
        if not terminal.answers:
            raise EOFError
        return terminal.answers.pop(0)

    monkeypatch.setattr(plugin_cli, "is_interactive", lambda: True)
    monkeypatch.setattr(plugin_cli, "ask", ask)
    return terminal


def state_after_start(paths) -> tuple[PluginState, frozenset[str]]:
    async def scenario():
        async with Session(paths) as session:
            plugin = session.plugins.get(NAME)
            return plugin.state, plugin.scope.granted

    return asyncio.run(scenario())


def test_add_without_a_terminal_leaves_the_plugin_undecided_and_not_running(
        paths, no_tty, capsys):
    wasm = build_fixture(NAME, permissions=FS)
    assert cli(paths, "add", str(wasm)) == 0
    out = capsys.readouterr().out
    assert f"Added {NAME} 0.1.0" in out
    assert f"waiting for your decision and will not run until then: run 'pumpkin-patch " \
           f"plugin approve {NAME} --all'" in out
    assert (paths.plugins_dir / f"{NAME}.wasm").read_bytes() == wasm.read_bytes()
    assert store_for(paths).decision(NAME).state is DecisionState.UNDECIDED
    assert state_after_start(paths) == (PluginState.NEEDS_REVIEW, frozenset())


def test_add_on_a_terminal_asks_one_question_per_permission(paths, tty, capsys):
    wasm = build_fixture(NAME, permissions=[*FS, "network.outbound"])
    tty.answers = ["", "n"]  # Enter takes the default (low risk: yes); then no
    assert cli(paths, "add", str(wasm)) == 0
    out = capsys.readouterr().out
    assert len(tty.questions) == 2
    assert tty.questions[0].startswith("  Grant fs.read.data (low risk): Read files")
    assert tty.questions[0].endswith("[Y/n] ")
    assert tty.questions[1].startswith("  Grant fs.write.data (medium risk)")
    assert "network.outbound (high risk): Full network access" in out
    assert "not granted: this host cannot enforce network permissions" in out
    assert "Approved data-file with: fs.read.data." in out
    decision = store_for(paths).decision(NAME, sha256_of(wasm))
    assert decision.state is DecisionState.APPROVED
    assert decision.granted == {"fs.read.data"}
    assert state_after_start(paths) == (PluginState.RUNNING, frozenset({"fs.read.data"}))


def test_add_on_a_terminal_that_ends_early_decides_nothing(paths, tty, capsys):
    wasm = build_fixture(NAME, permissions=FS)
    tty.answers = ["y"]
    assert cli(paths, "add", str(wasm)) == 0
    assert "No decision recorded" in capsys.readouterr().out
    assert store_for(paths).decision(NAME).state is DecisionState.UNDECIDED


def test_grants_grant_revoke_approve_decline(paths, no_tty, capsys):
    wasm = build_fixture(NAME, permissions=[*FS, "network.outbound"])
    cli(paths, "add", str(wasm))
    capsys.readouterr()

    assert cli(paths, "grant", NAME, "fs.read.data") == 1
    assert "cannot grant permissions of data-file: it is undecided; approve it first" in \
        capsys.readouterr().err
    assert cli(paths, "approve", NAME) == 1
    assert "say which permissions data-file gets: --all, --none" in capsys.readouterr().err

    assert cli(paths, "approve", NAME, "--none") == 0
    assert "Approved data-file with: no permissions." in capsys.readouterr().out
    assert cli(paths, "grant", NAME, "fs.write.data") == 0
    assert "Granted fs.write.data to data-file; it now holds: fs.write.data." in \
        capsys.readouterr().out
    assert cli(paths, "grant", NAME, "network.outbound") == 1
    assert "cannot grant network.outbound to data-file: this host cannot enforce network" in \
        capsys.readouterr().err

    assert cli(paths, "approve", NAME, "--all") == 0
    out = capsys.readouterr().out
    assert "Approved data-file with: fs.read.data, fs.write.data." in out
    assert "not granted: network.outbound — this host cannot enforce network" in out
    assert cli(paths, "revoke", NAME, "fs.write.data") == 0
    capsys.readouterr()

    assert cli(paths, "grants", NAME) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "data-file 0.1.0: approved"
    assert "[x] fs.read.data " in out
    assert "[ ] fs.write.data" in out
    assert "[-] network.outbound" in out
    assert cli(paths, "grants", NAME, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["granted"] == ["fs.read.data"] and data["state"] == "approved"
    assert state_after_start(paths) == (PluginState.RUNNING, frozenset({"fs.read.data"}))

    assert cli(paths, "decline", NAME) == 0
    assert "Declined data-file: it will not run" in capsys.readouterr().out
    assert state_after_start(paths) == (PluginState.DECLINED, frozenset())

    assert cli(paths, "grants", "nothing-here") == 1
    assert "no plugin called 'nothing-here'" in capsys.readouterr().err
    assert cli(paths, "remove", NAME) == 0
    assert store_for(paths).decision(NAME).state is DecisionState.UNDECIDED


def test_add_of_an_update_asking_for_more_is_staged_until_approved(paths, no_tty, capsys):
    v1 = build_fixture(NAME, permissions=["fs.read.data"])
    v2 = build_fixture(NAME, version="0.2.0", permissions=FS)
    cli(paths, "add", str(v1))
    cli(paths, "approve", NAME, "--all")
    capsys.readouterr()
    installed = paths.plugins_dir / f"{NAME}.wasm"

    assert cli(paths, "add", str(v2)) == 0
    out = capsys.readouterr().out
    assert "requests more permissions (added: fs.write.data)" in out
    assert "the installed version stays in use" in out
    assert sha256_of(installed) == sha256_of(v1)
    staged = paths.plugins_dir / ".staged" / f"{NAME}.wasm"
    assert sha256_of(staged) == sha256_of(v2)

    async def held() -> None:
        async with Session(paths) as session:
            plugin = session.plugins.get(NAME)
            assert plugin.state is PluginState.RUNNING
            assert plugin.metadata.version == "0.1.0"
            assert plugin.pending_update is not None

    asyncio.run(held())

    assert cli(paths, "approve", NAME, "--all") == 0
    assert "Installed the reviewed update data-file 0.2.0." in capsys.readouterr().out
    assert sha256_of(installed) == sha256_of(v2) and not staged.exists()
    assert state_after_start(paths) == (PluginState.RUNNING, frozenset(FS))

    # A later version asking for nothing new inherits its grants without a question.
    v3 = build_fixture(NAME, version="0.3.0", permissions=["fs.write.data"])
    assert cli(paths, "add", str(v3)) == 0
    assert "requests nothing new and keeps its grants: fs.write.data." in \
        capsys.readouterr().out
    assert store_for(paths).decision(NAME, sha256_of(v3)).granted == {"fs.write.data"}


def test_grant_changes_from_the_command_line_apply_to_a_running_server(paths):
    wasm = build_fixture(NAME, permissions=FS)
    approve(paths, NAME, wasm, FS, FS)

    async def scenario() -> None:
        session = Session(paths)
        session.install(wasm)
        async with session:
            plugin = session.plugins.get(NAME)
            assert plugin.scope.granted == frozenset(FS)
            assert await asyncio.to_thread(cli, paths, "revoke", NAME, "fs.write.data") == 0
            await session.wait_until(lambda: plugin.scope.granted == {"fs.read.data"}
                                     and plugin.state is PluginState.RUNNING,
                                     what="reload without fs.write.data")
            assert await asyncio.to_thread(cli, paths, "decline", NAME) == 0
            await session.wait_until(lambda: plugin.state is PluginState.DECLINED,
                                     what="declined from the command line")
            assert await asyncio.to_thread(cli, paths, "approve", NAME, "--all") == 0
            await session.wait_until(lambda: plugin.state is PluginState.RUNNING
                                     and plugin.scope.granted == frozenset(FS),
                                     what="approved from the command line")

    asyncio.run(scenario())


def test_list_shows_each_plugins_decision(paths, no_tty, capsys, tmp_path):
    wasm = build_fixture(NAME, permissions=FS)
    cli(paths, "add", str(wasm))
    broken = paths.plugins_dir / "broken.wasm"
    broken.write_bytes(b"\0asm not really")
    capsys.readouterr()

    assert cli(paths, "list") == 0
    out = capsys.readouterr().out
    assert "broken.wasm" in out and "BROKEN" in out
    line = next(ln for ln in out.splitlines() if ln.startswith(NAME))
    assert "undecided" in line and "requests: fs.read.data, fs.write.data" in line

    cli(paths, "approve", NAME, "--none")
    cli(paths, "grant", NAME, "fs.read.data")
    capsys.readouterr()
    assert cli(paths, "list", "--json") == 0
    (row,) = [r for r in json.loads(capsys.readouterr().out) if r.get("name") == NAME]
    assert (row["decision"], row["granted"], row["decided_for_this_file"]) == (
        "approved", ["fs.read.data"], True)
    assert cli(paths, "list") == 0
    assert "approved: fs.read.data " in capsys.readouterr().out

    cli(paths, "decline", NAME)
    capsys.readouterr()
    cli(paths, "list")
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(NAME))
    assert "declined" in line


def test_hosts_sets_where_http_outbound_reaches(paths, capsys):
    from gui.settings import AppSettings

    assert cli(paths, "hosts", "fetcher") == 0
    assert "fetcher: http.outbound reaches none (every request is refused)" in \
        capsys.readouterr().out
    assert cli(paths, "hosts", "fetcher", "127.0.0.1:8080", "example.org") == 0
    assert "now reaches 127.0.0.1:8080, example.org" in capsys.readouterr().out
    override = AppSettings.load(paths.config_file).plugins.override("fetcher")
    assert override.http_hosts == ("127.0.0.1:8080", "example.org")
    assert cli(paths, "hosts", "fetcher", "http://x/y") == 1
    assert "'http://x/y' is a URL or path" in capsys.readouterr().err
    assert AppSettings.load(paths.config_file).plugins.override("fetcher").http_hosts == (
        "127.0.0.1:8080", "example.org")
    assert cli(paths, "hosts", "fetcher", "--clear") == 0
    assert AppSettings.load(paths.config_file).plugins.override("fetcher").http_hosts == ()
    # A damaged config.toml is not written over (the window's Allowed hosts… saves the same way).
    paths.config_file.write_text("[plugins\nbroken")
    assert cli(paths, "hosts", "fetcher", "example.org") == 1
    assert "cannot be read; fix it first" in capsys.readouterr().err
    assert paths.config_file.read_text() == "[plugins\nbroken"
