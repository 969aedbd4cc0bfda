"""The marketplace: signed, decentralized plugin repositories and a safe installer.

For the window (and anything else that drives it), the whole surface is
:class:`Marketplace` (marketplace.py); ``ServerCore`` owns one as
``core.market``, with the samples repository already served. All methods
below are coroutines unless marked "sync"; none touches Qt.

``await market.search(query="", source=None, category=None) -> SearchResults``
    A ``list[Listing]`` merged over every source (or one), sorted by name;
    each :class:`Listing` carries ``source`` (its source's name) and
    ``signer`` (that source's pinned key fingerprint), so the same plugin
    from two sources appears twice, told apart. ``results.problems`` maps
    a failing source to why (unreachable, key changed, bad JSON, ...).
``await market.details(listing) -> PluginDetails``
    ``.listing`` plus ``.versions`` (newest first: version, sha256, size,
    permissions, world_version).
``await market.find(ref, source=None) -> Listing``
    The one listing whose id or name is ``ref`` (several sources: InstallError).
``await market.install(listing, review, progress) -> InstallResult``
    ``.outcome`` (installed, updated, held, declined, unchanged,
    rolled-back), ``.version``, ``.source``, ``.signer``, ``.signature``,
    ``.granted`` (None: undecided), ``.unimplemented``, ``.state`` (the
    plugin's state in the running server), ``.message`` (one line).
``await market.install_file(path, review, progress, allow_unsigned=None)``
    Sideload; an unverified or unsigned file needs ``allow_unsigned``
    (default: ``[plugins] allow_unsigned`` in config.toml).
``await market.update(name, review, progress) -> InstallResult``
    Same pipeline; an update asking for nothing new is applied at once,
    one asking for more goes through ``review``.
``await market.check_updates(names=None) -> list[UpdateInfo]``
``await market.rollback(name) -> InstallResult``
``await market.uninstall(name, keep_data=False) -> LockEntry | None``
``market.installed() -> list[LockEntry]`` (sync)
    Name, version, source, sha256, signer, signature, permissions,
    ``previous`` (rollback target) and ``held`` (update awaiting review).
``market.sources() -> list[SourceStatus]`` (sync)
    name, url, fingerprint, builtin, state ("ready",
    "building samples...", "not built", "failed: ...").
``await market.add_source(url, key_hex=None, name=None) -> SourceCandidate``
    Without a key nothing is stored: show ``candidate.fingerprint`` and, if
    the admin trusts it, call again with ``candidate.public_key_hex``.
``market.remove_source(name)`` (sync)
``await market.wait_samples(timeout=None) -> str``
    Wait for the background sample build; ``market.sources()`` shows its state.

Callbacks:

``review: async (ReviewRequest) -> set[str] | None``
    The permission dialog (gui.permissions.review.ReviewRequest): return
    the granted set, None to decline (nothing is installed), or raise
    :class:`ReviewDeferred` to decide later (a new plugin is installed but
    waits in "needs review"; an update is held, the old version runs).
``progress(step: str, done: int, total: int | None)``
    ``step`` is one of :data:`STEPS`: resolve, download (bytes done/total),
    verify, inspect, review, commit, load. Called on the loop's thread.

Errors: every failure is an :class:`InstallError` (``.step``, ``.plugin``,
``.source``, ``.reason``; ``str()`` is one sentence for the admin) and
leaves nothing behind; source problems are :class:`SourceError`, bad
source input :class:`SourceConfigError`.

Building blocks: wasm_sections (custom sections), signing (Ed25519 in
Pumpkin's format), repository (published repo on disk, publish), server
(aiohttp REST app), client (REST client), sources (pinned keys), lockfile
(``plugins/.ppm.lock``), journal (crash-safe commits), installer (the
pipeline), embedded (the samples source).
"""

from gui.market.artifacts import STEPS, InstallError, InstallResult, ReviewDeferred
from gui.market.client import ClientLimits, DownloadError, SourceError
from gui.market.lockfile import LockEntry
from gui.market.marketplace import (
    Marketplace,
    SearchResults,
    SourceCandidate,
    SourceStatus,
    UpdateInfo,
)
from gui.market.models import Listing, PluginDetails, VersionInfo
from gui.market.sources import Source, SourceConfigError

__all__ = [
    "STEPS",
    "ClientLimits",
    "DownloadError",
    "InstallError",
    "InstallResult",
    "Listing",
    "LockEntry",
    "Marketplace",
    "PluginDetails",
    "ReviewDeferred",
    "SearchResults",
    "Source",
    "SourceCandidate",
    "SourceConfigError",
    "SourceError",
    "SourceStatus",
    "UpdateInfo",
    "VersionInfo",
]
