"""Helpers shared by the permission tests: decisions on disk, config, command replies."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gui.paths import AppPaths, sha256_of
from gui.permissions import GrantStore
from tests.harness import Session


def store_for(paths: AppPaths) -> GrantStore:
    return GrantStore(paths.grants_file)


def approve(paths: AppPaths, name: str, wasm: Path, requested: Iterable[str],
            granted: Iterable[str]) -> None:
    """Record an approval before the session starts (as the CLI or the dialog would)."""
    store_for(paths).approve(name, sha256_of(wasm), requested, granted)


def write_config(paths: AppPaths, text: str) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text, encoding="utf-8")


async def reply(session: Session, command: str, player: str = "Bob") -> str:
    """Run ``command`` as ``player`` and return the first feedback line's text."""
    start = len(session.lines)
    await session.run(f"playtest run {player} {command}")
    line = await session.wait_for(rf"^{player} <- feedback: ", "playtest", start=start)
    return line.split("feedback: ", 1)[1]
