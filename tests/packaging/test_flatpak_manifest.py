"""The Flatpak manifest's shape (flatpak-builder is not available offline to build it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gui.appinfo import APP_ID, COMMAND

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
MANIFEST = PACKAGING / f"{APP_ID}.json"
KNOWN_TOP = {"app-id", "runtime", "runtime-version", "sdk", "command", "finish-args",
             "cleanup", "modules"}
KNOWN_MODULE = {"name", "buildsystem", "build-options", "build-commands", "sources"}


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_is_json_with_only_keys_flatpak_builder_knows():
    data = _manifest()
    assert set(data) <= KNOWN_TOP, set(data) - KNOWN_TOP
    assert data["app-id"] == APP_ID and data["command"] == COMMAND
    assert re.fullmatch(r"\d+\.\d+", data["runtime-version"])
    assert data["runtime"].endswith(".Platform") and data["sdk"].endswith(".Sdk")
    for module in data["modules"]:
        assert set(module) <= KNOWN_MODULE, set(module) - KNOWN_MODULE
        assert module["buildsystem"] == "simple" and module["build-commands"]
        for source in module["sources"]:
            assert source["type"] == "dir"
            assert (MANIFEST.parent / source["path"] / "pyproject.toml").is_file()


def test_the_sandbox_gets_a_display_the_gpu_and_the_network_it_serves_on():
    args = _manifest()["finish-args"]
    for needed in ("--socket=wayland", "--socket=fallback-x11", "--share=ipc",
                   "--device=dri", "--share=network"):
        assert needed in args
    assert not any(a.startswith("--filesystem=home") or a == "--filesystem=host"
                   for a in args)  # plugins come in through the file dialog or a download


def test_every_file_the_build_installs_exists():
    commands = "\n".join(_manifest()["modules"][0]["build-commands"])
    sizes = re.search(r"for size in ([\d ]+);", commands).group(1).split()
    files = re.findall(r"install -Dm\d+ (\S+)", commands)
    assert files
    for path in files:
        for size in sizes if "${size}" in path else ["-"]:
            name = path.replace("${FLATPAK_ID}", APP_ID).replace("${size}", size)
            assert (MANIFEST.parent.parent / name).is_file(), name
