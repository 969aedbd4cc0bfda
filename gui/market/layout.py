"""Where the marketplace keeps its files inside a profile.

``<config>/market/``
    ``sources.toml`` (pinned sources), ``samples.key`` (the private key of
    the embedded samples repository, generated on first run).
``<data>/market/``
    ``downloads/`` (temp files; same filesystem as the plugins dir, so the
    final ``os.replace`` is atomic), ``previous/<name>.wasm`` (the version
    before the last update, for one-step rollback), ``journal.json`` (a
    commit in progress), ``samples-repo/`` (the embedded repository),
    ``.lock`` (one market operation at a time, across processes).
``<plugins>/.ppm.lock``
    The lockfile (TOML, ppm's shape plus source and signer).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gui.paths import AppPaths


@dataclass(frozen=True)
class MarketPaths:
    """The marketplace's files of one profile."""

    app: AppPaths

    @property
    def config_dir(self) -> Path:
        return self.app.config_dir / "market"

    @property
    def state_dir(self) -> Path:
        return self.app.data_dir / "market"

    @property
    def sources_file(self) -> Path:
        return self.config_dir / "sources.toml"

    @property
    def samples_key(self) -> Path:
        return self.config_dir / "samples.key"

    @property
    def samples_repo(self) -> Path:
        return self.state_dir / "samples-repo"

    @property
    def downloads_dir(self) -> Path:
        return self.state_dir / "downloads"

    @property
    def previous_dir(self) -> Path:
        return self.state_dir / "previous"

    @property
    def journal(self) -> Path:
        return self.state_dir / "journal.json"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / ".lock"

    @property
    def plugins_dir(self) -> Path:
        return self.app.plugins_dir

    @property
    def lockfile(self) -> Path:
        return self.app.plugins_dir / ".ppm.lock"

    def plugin_file(self, name: str) -> Path:
        return self.app.plugin_file(name)

    def staged_update(self, name: str) -> Path:
        return self.app.staged_update(name)

    def previous_file(self, name: str) -> Path:
        return self.previous_dir / f"{name}.wasm"

    def data_dir(self, name: str) -> Path:
        return self.app.plugin_data_dir(name)
