"""First run: whether this profile has seen the welcome, and what the welcome shows.

Qt-free (the window's welcome dialog, gui/ui/welcome.py, shows it). The
profile remembers the welcome in ``<config>/welcome.json``, written once the
admin closes it. A profile an older version already ran a server in (it has
``server.properties``) is not new either: the welcome is for new installs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from gui.appinfo import VERSION
from gui.paths import AppPaths, atomic_write_text

WELCOME_FILE = "welcome.json"


@dataclass(frozen=True)
class Place:
    """One line of "where files live"."""

    what: str
    path: Path


class FirstRun:
    """The welcome state of one profile."""

    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.path = paths.config_dir / WELCOME_FILE

    def welcome_due(self) -> bool:
        """True on a profile that has neither seen the welcome nor run a server."""
        if (self.paths.server_dir / "server.properties").exists():
            return False
        try:
            seen = json.loads(self.path.read_text(encoding="utf-8")).get("welcome_seen")
        except (OSError, ValueError, AttributeError):
            return True  # missing or damaged: showing the welcome again is harmless
        return not seen

    def mark_seen(self) -> None:
        """Remember the welcome (atomically; disk work, so off the GUI thread)."""
        atomic_write_text(self.path, json.dumps(
            {"welcome_seen": VERSION, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}) + "\n")

    def places(self) -> list[Place]:
        """Where this profile keeps its files, as the README's table says."""
        p = self.paths
        return [Place("Settings (config.toml, grants, trusted repositories)", p.config_dir),
                Place("Server (server.properties, ops, bans, logs)", p.server_dir),
                Place("Plugins (.wasm files)", p.plugins_dir),
                Place("Each plugin's own data", p.plugin_data_root),
                Place("Compiled plugins (a cache)", p.compile_cache_dir)]
