"""What the marketplace shows: listings, versions, details (plain data, no I/O).

A :class:`Listing` is one plugin as one source offers it. Results from
several sources are merged, never deduplicated: the same plugin from two
sources appears twice, each labelled with its ``source`` and ``signer``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$")


def version_key(version: str) -> tuple:
    """Sort key for versions: numeric parts numerically, release after pre-release.

    ``1.10.0 > 1.9.2``, ``1.0.0 > 1.0.0-rc1``. Good enough for plugin
    versions, which are SemVer in practice.
    """
    core, _, pre = version.partition("-")
    core = core.split("+", 1)[0]
    parts: list[tuple[int, int | str]] = []
    for piece in re.split(r"[.]", core):
        parts.append((0, int(piece)) if piece.isdigit() else (1, piece))
    return (tuple(parts), 1 if not pre else 0, pre)


@dataclass(frozen=True)
class VersionInfo:
    """One published version of a plugin."""

    version: str
    sha256: str | None = None
    size: int | None = None
    permissions: tuple[str, ...] | None = None  # None: the source did not say
    world_version: str | None = None
    created_at: str = ""


@dataclass(frozen=True)
class Listing:
    """A plugin as one source lists it (latest version unless stated).

    Pumpkin's list fields plus the extensions documented in
    :mod:`gui.market.server`; ``source`` and ``signer`` are added by the
    client: the name of the source it came from and the fingerprint of the
    key pinned for that source.
    """

    id: str  # public_id when the service has one, else str(numeric id)
    name: str
    version: str
    source: str
    signer: str
    numeric_id: int | None = None
    category: str = ""
    type: str = "free"
    description: str = ""
    authors: tuple[str, ...] = ()
    dev_name: str = ""
    permissions: tuple[str, ...] | None = None  # None: the source did not say
    sha256: str | None = None
    size: int | None = None
    world_version: str | None = None
    repository: str = ""
    downloads: int = 0
    created_at: str = ""
    updated_at: str = ""

    @property
    def label(self) -> str:
        """``name version (source)`` for messages."""
        return f"{self.name} {self.version} (source {self.source!r})"


@dataclass(frozen=True)
class PluginDetails:
    """A listing with every published version (newest first)."""

    listing: Listing
    versions: tuple[VersionInfo, ...] = field(default_factory=tuple)

    def version(self, version: str | None = None) -> VersionInfo | None:
        """The named version, or the listing's (latest) one."""
        wanted = version or self.listing.version
        return next((v for v in self.versions if v.version == wanted), None)
