"""The marketplace as the window and the command line use it: :class:`Marketplace`.

One object per profile. It reads the pinned sources, talks to them
(checking on every use that each still announces its pinned key), merges
their results, and runs the install pipeline (:mod:`gui.market.installer`).
Nothing here imports Qt; the window calls the async methods from its qasync
loop and passes its permission dialog as ``review``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from gui.market.artifacts import Artifact, InstallError, InstallResult, Progress, Review
from gui.market.client import ClientLimits, RepositoryClient, SourceError
from gui.market.embedded import SAMPLES_SOURCE, EmbeddedSamples
from gui.market.held import held_lockfile
from gui.market.installer import Installer
from gui.market.journal import recover
from gui.market.layout import MarketPaths
from gui.market.lockfile import LockEntry, Lockfile
from gui.market.models import Listing, PluginDetails, version_key
from gui.market.plugin_host import PluginHost
from gui.market.signing import SigningKeyError, fingerprint, normalize_key_hex
from gui.market.sources import (
    EMBEDDED_URL,
    Source,
    SourceConfigError,
    SourceStore,
    default_name,
    normalize_url,
)
from gui.paths import AppPaths, unsafe_name_reason
from gui.permissions import GrantStore, PermissionPolicy
from gui.plugins.manager import PluginManager
from gui.runtime import PluginRuntime
from gui.settings import AppSettings

log = logging.getLogger(__name__)


class SearchResults(list[Listing]):
    """Merged listings, plus ``problems``: source name -> why it gave no results."""

    def __init__(self, listings: list[Listing] | None = None,
                 problems: dict[str, str] | None = None) -> None:
        super().__init__(listings or [])
        self.problems: dict[str, str] = problems or {}


@dataclass(frozen=True)
class SourceCandidate:
    """A source as ``add_source`` saw it.

    ``added`` is False when the caller must confirm the fingerprint first
    (call ``add_source(url, candidate.public_key_hex)`` to pin it).
    """

    name: str
    url: str
    public_key_hex: str
    fingerprint: str
    added: bool


@dataclass(frozen=True)
class SourceStatus:
    """One source for display: pinned key and state ("ready", "building samples...", ...)."""

    name: str
    url: str
    fingerprint: str
    builtin: bool
    state: str


@dataclass(frozen=True)
class UpdateInfo:
    name: str
    installed: str
    latest: str
    source: str


@dataclass
class Marketplace:
    """Sources, search, install, update, rollback, uninstall for one profile."""

    paths: AppPaths
    runtime: PluginRuntime  # started (inspect runs on it)
    grants: GrantStore | None = None
    policy: PermissionPolicy | None = None
    settings: AppSettings | None = None
    manager: PluginManager | None = None  # of a running server, if any
    limits: ClientLimits = field(default_factory=ClientLimits)
    samples_cache: Path | None = None
    _session: aiohttp.ClientSession | None = field(default=None, init=False)
    embedded: EmbeddedSamples = field(init=False)
    # What the last check_updates found, by plugin name (forgotten once updated,
    # rolled back or uninstalled).
    available_updates: dict[str, UpdateInfo] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.market_paths = MarketPaths(self.paths)
        self.store = SourceStore(self.market_paths.sources_file)
        if self.settings is None:
            self.settings = AppSettings.load(self.paths.config_file)
        if self.policy is None:
            self.policy = PermissionPolicy.from_settings(self.settings)
        if self.grants is None:
            self.grants = GrantStore(self.paths.grants_file)
        self.embedded = EmbeddedSamples(self.market_paths, self.runtime,
                                        cache_dir=self.samples_cache)
        self.installer = Installer(self.market_paths, self.runtime, self.grants, self.policy,
                                   allow_unsigned=self.settings.plugins.allow_unsigned,
                                   host=PluginHost(self.manager) if self.manager else None)

    def use_settings(self, settings: AppSettings, policy: PermissionPolicy) -> None:
        """config.toml changed: the next install reviews and admits under these."""
        self.settings, self.policy = settings, policy
        self.installer.policy = policy
        self.installer.allow_unsigned = settings.plugins.allow_unsigned

    # -- lifetime ----------------------------------------------------------------------------
    def recover(self) -> bool:
        """Finish an install a killed process left half-done; clean stale downloads.

        Call before plugins load. Returns True if a change was finished.
        """
        finished = recover(self.market_paths.journal, self.market_paths.lock_file)
        self.installer.clean_downloads()
        return finished

    async def start_embedded(self, *, build: bool) -> None:
        """Pin the samples source (first run), serve the samples repository on 127.0.0.1.

        ``build`` starts building and publishing the samples in the background
        (the source shows "building samples..." until they are ready).
        """
        self.embedded.ensure_source(self.store)
        await self.embedded.start()
        if build:
            self.embedded.build_in_background()

    async def close(self) -> None:
        """Close the HTTP session and the embedded server. Idempotent."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        await self.embedded.stop()

    async def __aenter__(self) -> Marketplace:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": "pumpkin-patch (marketplace client)"})
        return self._session

    # -- sources -------------------------------------------------------------------------------
    def sources(self) -> list[SourceStatus]:
        """Every pinned source with its state."""
        out = []
        for source in self.store.list():
            state = self.embedded.state if source.embedded else "ready"
            url = (self.embedded.url or "(served by the app)") if source.embedded else source.url
            out.append(SourceStatus(source.name, url, source.fingerprint, source.builtin, state))
        return out

    async def add_source(self, url: str, key_hex: str | None = None, *,
                         name: str | None = None) -> SourceCandidate:
        """Add a repository, pinned to its key.

        Without ``key_hex`` nothing is stored: the key the server announces
        is returned for the admin to confirm (then call again with it). With
        ``key_hex`` the server must announce exactly that key.

        Raises:
            SourceConfigError: bad URL, name taken, or the key does not match.
            SourceError: the server cannot be reached or is not a repository.
        """
        base = normalize_url(url)
        if base == EMBEDDED_URL:
            raise SourceConfigError("the samples source is built in; it cannot be added again")
        probe = RepositoryClient(self._http(), base, source=name or base, limits=self.limits)
        announced, repo_name = await probe.public_key()
        chosen = name or default_name(base, repo_name)
        if key_hex is None:
            return SourceCandidate(chosen, base, announced, fingerprint(announced), False)
        try:
            pinned = normalize_key_hex(key_hex)
        except SigningKeyError as exc:
            raise SourceConfigError(str(exc)) from exc
        if pinned != announced:
            raise SourceConfigError(
                f"{base} announces key {fingerprint(announced)}, not the expected "
                f"{fingerprint(pinned)}; check the key with the repository's owner")
        self.store.add(Source(chosen, base, pinned))
        return SourceCandidate(chosen, base, pinned, fingerprint(pinned), True)

    def remove_source(self, name: str) -> Source:
        """Forget a source (plugins installed from it stay installed).

        Raises:
            SourceConfigError: no such source, or it is the built-in one.
        """
        source = self.store.get(name)
        if source.builtin:
            raise SourceConfigError(f"{source.name!r} is the built-in samples source; it "
                                    "cannot be removed")
        return self.store.remove(name)

    async def _client(self, source: Source) -> RepositoryClient:
        """A client for ``source`` after checking it still announces its pinned key."""
        url = source.url
        if source.embedded:
            if not self.embedded.url:
                raise SourceError(source.name, "the samples repository is not being served "
                                               "(start the app or run any market command)")
            url = self.embedded.url
        client = RepositoryClient(self._http(), url, source=source.name,
                                  signer=source.fingerprint, limits=self.limits)
        announced, _ = await client.public_key()
        if announced != source.public_key_hex:
            raise SourceError(
                source.name,
                f"it now announces key {fingerprint(announced)}, but it was pinned to "
                f"{source.fingerprint} when added; nothing from it is trusted until you check "
                f"with its owner, then 'market remove-source {source.name}' and add it again")
        return client

    def _selected(self, source: str | None) -> list[Source]:
        return [self.store.get(source)] if source else self.store.list()

    # -- browsing --------------------------------------------------------------------------------
    async def search(self, query: str = "", source: str | None = None,
                     category: str | None = None) -> SearchResults:
        """Search every source (or one) and merge; each listing names its source and signer.

        A source that fails is left out and its problem reported in
        ``results.problems``; the others still answer.
        """
        async def one(src: Source) -> tuple[Source, list[Listing] | Exception]:
            try:
                client = await self._client(src)
                return src, await client.list_plugins(query, category=category)
            except SourceError as exc:
                return src, exc

        results = SearchResults()
        for src, answer in await asyncio.gather(*(one(s) for s in self._selected(source))):
            if isinstance(answer, Exception):
                results.problems[src.name] = getattr(answer, "reason", str(answer))
                continue
            for listing in answer:
                if reason := unsafe_name_reason(listing.name):
                    results.problems[src.name] = f"a listing was ignored: {reason}"
                    continue
                results.append(listing)
        results.sort(key=lambda item: (item.name.lower(), item.source.lower()))
        return results

    async def details(self, listing: Listing) -> PluginDetails:
        """A listing's plugin with every published version.

        Raises:
            SourceError: the source failed or changed its key.
        """
        client = await self._client(self.store.get(listing.source))
        return await client.details(listing.id)

    async def find(self, ref: str, source: str | None = None) -> Listing:
        """The one listing whose id or name is ``ref`` (``market install ID|NAME``).

        Raises:
            InstallError: (step resolve) no match, or matches in several sources.
        """
        results = await self.search("", source=source)
        matches = [item for item in results if ref in (item.id, str(item.numeric_id))]
        if not matches:
            matches = [item for item in results if item.name.lower() == ref.lower()]
        if not matches:
            if reason := unsafe_name_reason(ref):
                raise InstallError("resolve", ref, source or "", reason)
            problems = "; ".join(f"{k}: {v}" for k, v in results.problems.items())
            raise InstallError("resolve", ref, source or "",
                               "no source lists it (see 'pumpkin-patch market search')"
                               + (f"; sources with problems: {problems}" if problems else ""))
        if len(matches) > 1:
            offers = ", ".join(f"{m.id} from {m.source!r} (signer {m.signer})" for m in matches)
            raise InstallError("resolve", ref, "", f"several sources offer it: {offers}; "
                               "choose one with --source NAME or install by id")
        return matches[0]

    # -- installing -------------------------------------------------------------------------------
    async def _artifact(self, listing: Listing, version: str | None = None) -> Artifact:
        source = self.store.get(listing.source)
        try:
            client = await self._client(source)
            details = await client.details(listing.id)
        except SourceError as exc:
            raise InstallError("resolve", listing.name, source.name, exc.reason) from exc
        if details.listing.name != listing.name:
            raise InstallError("resolve", listing.name, source.name,
                               f"the source now calls {listing.id} {details.listing.name!r}")
        info = details.version(version)
        if info is None:
            raise InstallError("resolve", listing.name, source.name,
                               f"it has no version {version or listing.version!r}")

        async def fetch(dest: Path, progress: Progress) -> int:
            return await client.download(listing.id, dest, version=info.version,
                                         expected_size=info.size, progress=progress)

        return Artifact(
            name=listing.name, version=info.version, source=source, public_id=listing.id,
            numeric_id=listing.numeric_id or 0, author=listing.dev_name,
            sha256=info.sha256, size=info.size,
            permissions=info.permissions if info.permissions is not None
            else listing.permissions, fetch=fetch)

    async def install(self, listing: Listing, review: Review,
                      progress: Progress | None = None) -> InstallResult:
        """Install ``listing`` (resolve -> download -> verify -> inspect -> review ->
        commit -> load).

        Raises:
            InstallError: a step failed; nothing was changed.
        """
        if reason := unsafe_name_reason(listing.name):
            raise InstallError("resolve", listing.name, listing.source, reason)
        _report(progress, "resolve")
        artifact = await self._artifact(listing)
        return await self.installer.run(artifact, review, progress)

    async def install_file(self, path: Path, review: Review, progress: Progress | None = None,
                           *, allow_unsigned: bool | None = None) -> InstallResult:
        """Sideload a .wasm: verified against the trusted keys, else an explicit choice.

        Raises:
            InstallError: a step failed (or the file is unverified and
                unsigned installs are not allowed); nothing was changed.
        """
        return await self.installer.install_file(path, review, progress,
                                                 allow_unsigned=allow_unsigned)

    def installed(self) -> list[LockEntry]:
        """What the lockfile records, reconciled with held updates applied meanwhile."""
        return sorted(self._reconciled().entries.values(), key=lambda e: e.name.lower())

    def _reconciled(self) -> Lockfile:
        return held_lockfile(self.market_paths)

    async def check_updates(self, names: list[str] | None = None) -> list[UpdateInfo]:
        """Installed plugins whose source has a newer version (also kept in
        :attr:`available_updates`). A source that cannot be reached is logged
        and skipped; what it said before is kept."""

        def read() -> tuple[list[LockEntry], dict[str, Source | SourceConfigError]]:
            entries = [e for e in self.installed()
                       if e.source and (not names or e.name in names)]
            sources: dict[str, Source | SourceConfigError] = {}
            for name in {e.source for e in entries}:
                try:
                    sources[name] = self.store.get(name)
                except SourceConfigError as exc:
                    sources[name] = exc
            return entries, sources

        entries, sources = await asyncio.to_thread(read)
        clients: dict[str, RepositoryClient | str] = {}  # one per source: a client, or why not

        async def client_for(name: str) -> RepositoryClient | str:
            if name not in clients:
                source = sources[name]
                try:
                    if isinstance(source, SourceConfigError):
                        raise source
                    clients[name] = await self._client(source)
                except (SourceError, SourceConfigError) as exc:
                    clients[name] = str(exc)
            return clients[name]

        found = []
        for entry in entries:
            client = await client_for(entry.source)
            try:
                if isinstance(client, str):
                    raise SourceError(entry.source, client)
                available, latest = await client.check_update(entry.name, entry.version)
            except SourceError as exc:
                log.info("update check of %s failed: %s", entry.name, exc)
                continue
            if available and latest:
                info = UpdateInfo(entry.name, entry.version, latest, entry.source)
                found.append(info)
                self.available_updates[entry.name] = info
            else:
                self.available_updates.pop(entry.name, None)
        return found

    async def update(self, name: str, review: Review,
                     progress: Progress | None = None) -> InstallResult:
        """Update ``name`` to its source's latest version (same pipeline and review rules).

        Same permissions: applied at once, grants inherited. More permissions:
        ``review`` decides; deferred, the update is held and the old version runs.

        Raises:
            InstallError: not installed from a source, or a step failed.
        """
        _report(progress, "resolve")
        lock = self._reconciled()
        entry = lock.get(name)
        if entry is None or not entry.source:
            raise InstallError("resolve", name, "", "it was not installed from a source, so "
                               "there is nowhere to update it from")
        try:
            source = self.store.get(entry.source)
        except SourceConfigError as exc:
            raise InstallError("resolve", name, entry.source, str(exc)) from exc
        try:
            client = await self._client(source)
            details = await client.details(entry.public_id or entry.name)
        except SourceError as exc:
            raise InstallError("resolve", name, source.name, exc.reason) from exc
        if version_key(details.listing.version) <= version_key(entry.version):
            self.available_updates.pop(name, None)
            return InstallResult(entry.name, entry.version, "unchanged", source.name,
                                 entry.signer or None, entry.signature, entry.sha256,
                                 entry.permissions,
                                 message=f"{entry.name} {entry.version} is the latest version")
        artifact = await self._artifact(details.listing)
        result = await self.installer.run(artifact, review, progress)
        if result.outcome == "updated":  # declined or held: the offer still stands
            self._forget_update(name, result.version)
        return result

    def _forget_update(self, name: str, version: str | None = None) -> None:
        """Drop a known update of ``name`` (one that ``version`` does not leave behind)."""
        known = self.available_updates.get(name)
        if known is not None and (version is None
                                  or version_key(version) >= version_key(known.latest)):
            del self.available_updates[name]

    async def rollback(self, name: str) -> InstallResult:
        """Go back to the version before the last update (one step).

        Raises:
            InstallError: nothing kept to roll back to.
        """
        self._reconciled()
        result = await self.installer.rollback(name)
        self._forget_update(name)  # the next check says again what is newer
        return result

    async def uninstall(self, name: str, keep_data: bool = False) -> LockEntry | None:
        """Remove a plugin (its data dir too unless ``keep_data``).

        Raises:
            InstallError: no such plugin.
        """
        removed = await self.installer.uninstall(name, keep_data=keep_data)
        self._forget_update(name)
        return removed

    async def wait_samples(self, timeout: float | None = None) -> str:
        """Wait for the background sample build; returns the samples source state."""
        return await self.embedded.wait(timeout)


def _report(progress: Callable[[str, int, int | None], None] | None, step: str) -> None:
    if progress is not None:
        progress(step, 0, None)


__all__ = [
    "SAMPLES_SOURCE",
    "Marketplace",
    "SearchResults",
    "SourceCandidate",
    "SourceStatus",
    "UpdateInfo",
]
