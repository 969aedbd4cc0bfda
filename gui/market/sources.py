"""Pinned sources: the repositories this profile trusts, each tied to one Ed25519 key.

Stored in ``<config>/market/sources.toml``, written whole with a temp file and
``os.replace``::

    version = 1
    [sources.samples]
    url = "embedded:"          # the repository the app serves itself
    public_key = "<64 hex>"
    added_at = "2026-11-25T09:00:00Z"
    builtin = true

A key is pinned when the source is added and never changes afterwards; a
source that later announces another key is refused until it is removed and
added again (deliberately, by the admin).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import tomli_w

from gui.errors import PumpkinPatchError
from gui.market.signing import SigningKeyError, fingerprint, normalize_key_hex
from gui.paths import atomic_write_text

EMBEDDED_URL = "embedded:"
SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
REST_PREFIX = "/api/v1/rest"


class SourceConfigError(PumpkinPatchError):
    """A source cannot be added, found or stored; the message says which and what to do."""


@dataclass(frozen=True)
class Source:
    """One pinned repository."""

    name: str
    url: str
    public_key_hex: str
    added_at: str = ""
    builtin: bool = False

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key_hex)

    @property
    def embedded(self) -> bool:
        return self.url == EMBEDDED_URL


def normalize_url(url: str) -> str:
    """A source's base URL: http(s), no query, no trailing slash, no REST prefix.

    ``http://host:8080/api/v1/rest/`` and ``http://host:8080`` are the same source.

    Raises:
        SourceConfigError: not an http(s) URL with a host.
    """
    if url == EMBEDDED_URL:
        return url
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceConfigError(f"{url!r} is not an http(s) URL of a repository (for example "
                                "http://127.0.0.1:8080)")
    path = parts.path.rstrip("/")
    if path.endswith(REST_PREFIX):
        path = path[: -len(REST_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def default_name(url: str, announced: str | None = None) -> str:
    """A source name: the repository's announced name if usable, else host-port."""
    if announced and SOURCE_NAME.match(announced):
        return announced
    parts = urlsplit(url)
    host = (parts.hostname or "source").replace(":", "-")
    return f"{host}-{parts.port}" if parts.port else host


class SourceStore:
    """The pinned sources of one profile (read on every call, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def list(self) -> list[Source]:
        """Every source, built-in ones first, then by name.

        Raises:
            SourceConfigError: the file exists but is not valid TOML of this shape.
        """
        if not self.path.exists():
            return []
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SourceConfigError(f"{self.path} is not readable TOML ({exc}); fix or delete "
                                    "it and add the sources again") from exc
        sources = []
        for name, entry in (data.get("sources") or {}).items():
            try:
                sources.append(Source(
                    name=name, url=str(entry["url"]),
                    public_key_hex=normalize_key_hex(str(entry["public_key"])),
                    added_at=str(entry.get("added_at", "")),
                    builtin=bool(entry.get("builtin", False))))
            except (KeyError, TypeError, SigningKeyError) as exc:
                raise SourceConfigError(f"{self.path}: source {name!r} is malformed ({exc}); "
                                        f"remove it with 'pumpkin-patch market remove-source "
                                        f"{name}' and add it again") from exc
        return sorted(sources, key=lambda s: (not s.builtin, s.name.lower()))

    def get(self, name: str) -> Source:
        """The source called ``name`` (case-insensitive).

        Raises:
            SourceConfigError: no such source.
        """
        for source in self.list():
            if source.name.lower() == name.lower():
                return source
        known = ", ".join(s.name for s in self.list()) or "none"
        raise SourceConfigError(f"no source called {name!r} (sources: {known}); see "
                                "'pumpkin-patch market sources'")

    def add(self, source: Source) -> Source:
        """Pin a new source.

        Raises:
            SourceConfigError: the name is taken, the URL is already a source,
                or the name is not usable.
        """
        if not SOURCE_NAME.match(source.name):
            raise SourceConfigError(f"{source.name!r} is not a usable source name (letters, "
                                    "digits, '.', '_', '-')")
        existing = self.list()
        for other in existing:
            if other.name.lower() == source.name.lower():
                raise SourceConfigError(f"a source called {other.name!r} already exists "
                                        f"({other.url}); choose another name with --name")
            if other.url == source.url and not source.embedded:
                raise SourceConfigError(f"{source.url} is already the source {other.name!r}")
        if not source.added_at:
            source = Source(source.name, source.url, source.public_key_hex,
                            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), source.builtin)
        self._write([*existing, source])
        return source

    def remove(self, name: str) -> Source:
        """Forget a source (its installed plugins stay installed).

        Raises:
            SourceConfigError: no such source.
        """
        target = self.get(name)
        self._write([s for s in self.list() if s.name != target.name])
        return target

    def _write(self, sources: list[Source]) -> None:
        table = {
            s.name: {"url": s.url, "public_key": s.public_key_hex, "added_at": s.added_at,
                     "builtin": s.builtin}
            for s in sources
        }
        atomic_write_text(self.path, tomli_w.dumps({"version": 1, "sources": table}))
