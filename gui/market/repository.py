"""A published repository on disk: what ``market serve`` serves and ``market publish`` fills.

Layout of a repository directory::

    repository.json          {"format": 1, "name": ..., "public_key_hex": ...}
    index.json               {"format": 1, "plugins": [PublishedPlugin...]}
    artifacts/<public_id>/<name>-<version>.wasm     signed components

The private key never lives here: publishing takes it from a key file
(``market keygen``). The first publish creates the repository and fixes its
key; later publishes must use the same key. Artifacts and the index are
written with temp files and ``os.replace`` under a lock file, so a server
reading the directory sees a complete repository at any moment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gui.errors import PumpkinPatchError
from gui.market.models import SAFE_VERSION, version_key
from gui.market.signing import fingerprint, public_key_hex, sign_wasm, signing_metadata
from gui.paths import atomic_write_bytes, atomic_write_text, unsafe_name_reason

FORMAT = 1
REPO_FILE = "repository.json"
INDEX_FILE = "index.json"
ARTIFACTS_DIR = "artifacts"


class RepositoryError(PumpkinPatchError):
    """The repository cannot be read or published to; the message says why and what to do."""


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    file: str  # relative to the repository root
    sha256: str
    size: int
    permissions: list[str] = field(default_factory=list)
    world_version: str = ""
    authors: list[str] = field(default_factory=list)
    description: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class PublishedPlugin:
    id: int
    public_id: str
    name: str
    category: str = ""
    description: str = ""
    dev_name: str = ""
    created_at: str = ""
    updated_at: str = ""
    versions: list[PublishedVersion] = field(default_factory=list)

    @property
    def latest(self) -> PublishedVersion:
        return max(self.versions, key=lambda v: version_key(v.version))

    def version(self, version: str | None) -> PublishedVersion | None:
        if version is None:
            return self.latest if self.versions else None
        return next((v for v in self.versions if v.version == version), None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PublishedPlugin:
        versions = [PublishedVersion(**v) for v in data.get("versions", [])]
        return cls(**{**data, "versions": versions})


def public_id_for(name: str, key_hex: str) -> str:
    """A stable id per (signing key, plugin name): ``<name>-<8 hex>``."""
    tag = hashlib.sha256(f"{key_hex}:{name}".encode()).hexdigest()[:8]
    return f"{name.lower()}-{tag}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Repository:
    """One repository directory (see the module docstring for the layout)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- reading -------------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        return (self.root / REPO_FILE).is_file()

    def info(self) -> dict[str, Any]:
        """``repository.json``: name and public key.

        Raises:
            RepositoryError: not a repository (nothing published yet) or unreadable.
        """
        path = self.root / REPO_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RepositoryError(f"{self.root} is not a plugin repository yet (no {REPO_FILE}); "
                                  "publish a plugin into it with 'pumpkin-patch market publish "
                                  f"FILE.wasm --repo {self.root} --key KEYFILE'") from None
        except (OSError, ValueError) as exc:
            raise RepositoryError(f"{path} is unreadable: {exc}") from exc
        if data.get("format") != FORMAT:
            raise RepositoryError(f"{path} has format {data.get('format')!r}; this version "
                                  f"reads format {FORMAT}")
        return data

    @property
    def name(self) -> str:
        return str(self.info()["name"])

    @property
    def public_key_hex(self) -> str:
        return str(self.info()["public_key_hex"])

    def plugins(self) -> list[PublishedPlugin]:
        """Every published plugin (empty before the first publish)."""
        path = self.root / INDEX_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise RepositoryError(f"{path} is unreadable: {exc}") from exc
        return [PublishedPlugin.from_json(p) for p in data.get("plugins", [])]

    def find(self, key: str) -> PublishedPlugin | None:
        """A plugin by public id, numeric id or name (case-insensitive)."""
        for plugin in self.plugins():
            if key in (plugin.public_id, str(plugin.id)) or plugin.name.lower() == key.lower():
                return plugin
        return None

    def artifact(self, version: PublishedVersion) -> Path:
        return self.root / version.file

    # -- publishing ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".publish.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def init(self, name: str, key: Ed25519PrivateKey) -> None:
        """Create the repository files (no-op if they exist with this key)."""
        if self.exists:
            self._check_key(key)
            return
        atomic_write_text(self.root / REPO_FILE, json.dumps(
            {"format": FORMAT, "name": name, "public_key_hex": public_key_hex(key),
             "created_at": _now()}, indent=2))

    def _check_key(self, key: Ed25519PrivateKey) -> None:
        mine = self.public_key_hex
        if public_key_hex(key) != mine:
            raise RepositoryError(
                f"{self.root} is signed with key {fingerprint(mine)}, but the given key is "
                f"{fingerprint(public_key_hex(key))}; publish with the repository's own key "
                "(sources pinned to it would refuse anything else)")

    def publish(self, wasm: bytes, *, name: str, version: str, key: Ed25519PrivateKey,
                authors: list[str] | None = None, description: str = "",
                permissions: list[str] | None = None, world_version: str = "",
                category: str = "", base_url: str = "") -> tuple[PublishedPlugin,
                                                                  PublishedVersion]:
        """Sign ``wasm`` and add it as ``name`` ``version``.

        The metadata (name, version, permissions, ...) comes from the caller,
        who read it from the component itself (``market publish`` inspects
        the file first).

        Raises:
            RepositoryError: unusable name or version, the version already
                exists, or the key is not the repository's.
        """
        if reason := unsafe_name_reason(name):
            raise RepositoryError(f"cannot publish: {reason}; rename the plugin in its metadata")
        if not SAFE_VERSION.match(version):
            raise RepositoryError(f"cannot publish {name}: version {version!r} is not usable "
                                  "(letters, digits, '.', '+', '_', '-')")
        with self._locked():
            self.init(self.root.resolve().name, key)
            self._check_key(key)
            plugins = self.plugins()
            key_hex = public_key_hex(key)
            existing = next((p for p in plugins if p.name.lower() == name.lower()), None)
            if existing is not None and existing.version(version) is not None:
                raise RepositoryError(f"{name} {version} is already published in {self.root}; "
                                      "give the plugin a higher version and publish again")
            public_id = existing.public_id if existing else public_id_for(name, key_hex)
            metadata = signing_metadata(
                plugin_id=public_id, plugin_name=name, version=version,
                dev_name=self.name, dev_id=fingerprint(key_hex), marketplace_url=base_url)
            signed = sign_wasm(wasm, key, metadata)
            relative = f"{ARTIFACTS_DIR}/{public_id}/{name}-{version}.wasm"
            atomic_write_bytes(self.root / relative, signed)
            now = _now()
            published = PublishedVersion(
                version=version, file=relative, sha256=hashlib.sha256(signed).hexdigest(),
                size=len(signed), permissions=list(permissions or []),
                world_version=world_version, authors=list(authors or []),
                description=description, created_at=now)
            if existing is None:
                plugin = PublishedPlugin(
                    id=max((p.id for p in plugins), default=0) + 1, public_id=public_id,
                    name=name, category=category, description=description,
                    dev_name=self.name, created_at=now, updated_at=now, versions=[published])
                plugins.append(plugin)
            else:
                plugin = PublishedPlugin(
                    id=existing.id, public_id=existing.public_id, name=existing.name,
                    category=category or existing.category,
                    description=description or existing.description,
                    dev_name=existing.dev_name, created_at=existing.created_at, updated_at=now,
                    versions=[*existing.versions, published])
                plugins = [plugin if p.public_id == public_id else p for p in plugins]
            atomic_write_text(self.root / INDEX_FILE, json.dumps(
                {"format": FORMAT, "plugins": [asdict(p) for p in plugins]}, indent=1))
        return plugin, published
