"""The lockfile: what is installed, from where, signed by whom.

``<plugins>/.ppm.lock``, TOML in the shape of ppm's lockfile (``version = 1``,
``[plugins.<public_id>]`` with ``id, public_id, name, author, version, file,
updated_at``), extended with:

``source``, ``source_url``
    The source the plugin came from (``""`` when sideloaded from a file).
``sha256``
    Of the installed file (signed bytes).
``signer``, ``signature``
    The fingerprint of the key that verified it, and ``verified`` /
    ``unverified`` / ``unsigned``.
``permissions``
    What the plugin requests (from its own metadata).
``[plugins.<public_id>.previous]``
    The version kept for one-step rollback (``version, sha256, source,
    signer, installed_at``); its file is ``<data>/market/previous/<name>.wasm``.
``[plugins.<public_id>.held]``
    An update that waits for a permission review (``version, sha256,
    new_permissions``); the installed version keeps running meanwhile.

One plugin name is one file, so names are unique here too. The file is only
ever replaced whole (see :mod:`gui.market.journal`).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli_w

from gui.errors import PumpkinPatchError


class LockfileError(PumpkinPatchError):
    """The lockfile cannot be read; the message names the file and what to do."""


@dataclass(frozen=True)
class PreviousVersion:
    version: str
    sha256: str
    source: str = ""
    source_url: str = ""
    signer: str = ""
    signature: str = "unsigned"
    public_id: str = ""
    permissions: tuple[str, ...] = ()
    installed_at: str = ""


@dataclass(frozen=True)
class HeldUpdate:
    version: str
    sha256: str
    new_permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LockEntry:
    """One installed plugin."""

    name: str
    version: str
    sha256: str
    file: str
    public_id: str
    id: int = 0
    author: str = ""
    source: str = ""
    source_url: str = ""
    signer: str = ""
    signature: str = "unsigned"
    permissions: tuple[str, ...] = ()
    installed_at: str = ""
    updated_at: str = ""
    previous: PreviousVersion | None = None
    held: HeldUpdate | None = None

    def as_previous(self) -> PreviousVersion:
        return PreviousVersion(self.version, self.sha256, self.source, self.source_url,
                               self.signer, self.signature, self.public_id, self.permissions,
                               self.installed_at)

    def with_(self, **changes: Any) -> LockEntry:
        return replace(self, **changes)

    def to_toml(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items()
                if v is not None and k not in ("previous", "held")}
        data["permissions"] = list(self.permissions)
        if self.previous is not None:
            prev = asdict(self.previous)
            prev["permissions"] = list(self.previous.permissions)
            data["previous"] = prev
        if self.held is not None:
            held = asdict(self.held)
            held["new_permissions"] = list(self.held.new_permissions)
            data["held"] = held
        return data

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> LockEntry:
        previous = data.get("previous")
        held = data.get("held")
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["permissions"] = tuple(data.get("permissions", ()))
        fields["previous"] = (
            PreviousVersion(**{**previous, "permissions": tuple(previous.get("permissions", ()))})
            if previous else None)
        fields["held"] = (
            HeldUpdate(**{**held, "new_permissions": tuple(held.get("new_permissions", ()))})
            if held else None)
        return cls(**fields)


@dataclass
class Lockfile:
    """All entries, by plugin name."""

    entries: dict[str, LockEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Lockfile:
        """Read ``path``; a missing file is an empty lockfile.

        Raises:
            LockfileError: unreadable or not this shape.
        """
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            entries = [LockEntry.from_toml(v) for v in (data.get("plugins") or {}).values()]
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, TypeError) as exc:
            raise LockfileError(f"{path} is not a readable lockfile ({exc}); move it away and "
                                "reinstall the plugins listed in it") from exc
        return cls({e.name: e for e in entries})

    def dumps(self) -> str:
        """The TOML text (ppm's header line, entries keyed by public_id)."""
        table = {e.public_id: e.to_toml() for e in sorted(self.entries.values(),
                                                          key=lambda e: e.name.lower())}
        return ("# Written by Pumpkin Patch (ppm's lockfile, extended with source and signer). "
                "Do not edit by hand.\n\n" + tomli_w.dumps({"version": 1, "plugins": table}))

    def get(self, name: str) -> LockEntry | None:
        """The entry for ``name`` (case-insensitive), if any."""
        if name in self.entries:
            return self.entries[name]
        return next((e for e in self.entries.values() if e.name.lower() == name.lower()), None)

    def put(self, entry: LockEntry) -> Lockfile:
        """A copy with ``entry`` added or replaced."""
        return Lockfile({**self.entries, entry.name: entry})

    def without(self, name: str) -> Lockfile:
        """A copy without ``name``."""
        return Lockfile({k: v for k, v in self.entries.items() if k != name})
