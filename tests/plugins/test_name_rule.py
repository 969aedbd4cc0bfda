"""One name rule: every way of adding a .wasm refuses ``a..b`` with the same reason.

The plugin's own metadata calls it ``a..b`` (a real component, the echo
fixture). ``PluginManager.add``, ``pumpkin-patch plugin add``, ``pumpkin-patch
market install FILE`` and the marketplace's ``install_file`` (what the window's
drop and file dialog run; its Qt side is in tests/ui/test_plugins_page.py)
each refuse it, name the file or plugin, say the one reason
:func:`gui.paths.unsafe_name_reason` gives, and leave the plugins dir empty.
"""

from __future__ import annotations

import asyncio

import pytest

from gui.cli import main
from gui.devkit.wat_build import build_fixture
from gui.market import InstallError
from gui.paths import unsafe_name_reason
from gui.plugins.gate import PluginError
from tests.harness import Session
from tests.market.conftest import grant_all

BAD = "a..b"
REASON = unsafe_name_reason(BAD)


@pytest.fixture
def bad_wasm(tmp_path):
    path = tmp_path / "innocent.wasm"  # the file name is fine; the plugin's name is not
    path.write_bytes(build_fixture("echo", plugin_name=BAD).read_bytes())
    return path


def installed(paths) -> list[str]:
    folder = paths.plugins_dir
    return sorted(p.name for p in folder.glob("*.wasm")) if folder.is_dir() else []


def test_the_rule_refuses_dot_dot_separators_and_odd_characters():
    assert REASON == "plugin name 'a..b' contains '..'"
    assert "path separator" in unsafe_name_reason("a/b")
    assert "path separator" in unsafe_name_reason("a\\b")
    assert "not usable as a file name" in unsafe_name_reason(".hidden")
    assert "not usable as a file name" in unsafe_name_reason("x" * 65)
    assert unsafe_name_reason("my-plugin_1.2") is None


def test_plugin_add_refuses_it(paths, bad_wasm, capsys):
    assert main(["--basedir", str(paths.config_dir.parent), "plugin", "add",
                 str(bad_wasm)]) == 1
    err = capsys.readouterr().err
    assert f"{REASON}; refusing to install it" in err and BAD in err
    assert installed(paths) == []


def test_market_install_of_a_file_refuses_it(paths, bad_wasm, capsys):
    assert main(["--basedir", str(paths.config_dir.parent), "market", "install",
                 str(bad_wasm), "--allow-unsigned"]) != 0
    err = capsys.readouterr().err
    assert f"{REASON}; refusing to install it" in err and BAD in err
    assert installed(paths) == []


def test_the_manager_and_the_marketplace_refuse_it(paths, bad_wasm):
    async def scenario() -> None:
        async with Session(paths) as session:
            with pytest.raises(PluginError) as by_manager:
                await session.plugins.add(bad_wasm)
            with pytest.raises(InstallError) as by_market:
                await session.core.market.install_file(bad_wasm, grant_all,
                                                       allow_unsigned=True)
        assert f"{REASON}; refusing to install it" in str(by_manager.value)
        assert bad_wasm.name in str(by_manager.value)
        assert by_market.value.reason == f"{REASON}; refusing to install it"
        assert by_market.value.plugin == BAD

    asyncio.run(scenario())
    assert installed(paths) == []
