"""What one run of the install pipeline works on and answers (plain data, no I/O).

:class:`Artifact` is what ``resolve`` found (a listing's version, or a
sideloaded file: an artifact like any other); :class:`InstallResult` is what
a run did; :class:`InstallError` is how any step fails. The pipeline itself
is :mod:`gui.market.installer`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from gui.errors import PumpkinPatchError
from gui.market.sources import Source
from gui.permissions.review import ReviewRequest

STEPS = ("resolve", "download", "verify", "inspect", "review", "commit", "load")

Progress = Callable[[str, int, "int | None"], None]
Review = Callable[[ReviewRequest], Awaitable["set[str] | None"]]


class ReviewDeferred(PumpkinPatchError):
    """Raised by a review callable to leave the decision open (no TTY, "decide later")."""


class InstallError(PumpkinPatchError):
    """An install, update, rollback or uninstall failed; nothing was changed.

    Attributes:
        step: The step that failed (one of :data:`STEPS`, or rollback / uninstall).
        plugin: The plugin's name (or the id asked for).
        source: The source's name ("" for a sideloaded file).
        reason: What went wrong and what to do.
    """

    def __init__(self, step: str, plugin: str, source: str, reason: str) -> None:
        where = f" from source {source!r}" if source else ""
        super().__init__(f"{step} failed for {plugin}{where}: {reason}")
        self.step = step
        self.plugin = plugin
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class Artifact:
    """What ``resolve`` found: one version of one plugin, and how to get its bytes.

    Exactly one of ``fetch`` (download from ``source``) and ``local_path``
    (a sideloaded file) is set.
    """

    name: str
    version: str | None
    source: Source | None = None
    public_id: str = ""
    numeric_id: int = 0
    author: str = ""
    sha256: str | None = None
    size: int | None = None
    permissions: tuple[str, ...] | None = None
    fetch: Callable[[Path, Progress], Awaitable[int]] | None = None
    local_path: Path | None = None


@dataclass(frozen=True)
class InstallResult:
    """What an install, update or rollback did.

    ``outcome``: installed, updated, held (update waits for review; the old
    version runs), declined (nothing installed), unchanged, rolled-back.
    ``granted``: the permissions granted (None: undecided, the plugin waits
    for review before it runs).
    ``admission``: the admission verdict (:class:`gui.permissions.admission.Verdict`:
    keep, inherit, by-policy, ask, declined); "" when no decision was made.
    """

    name: str
    version: str
    outcome: str
    source: str = ""
    signer: str | None = None
    signature: str = "verified"
    sha256: str = ""
    permissions: tuple[str, ...] = ()
    granted: frozenset[str] | None = None
    unimplemented: tuple[str, ...] = ()
    state: str = ""
    message: str = ""
    admission: str = ""
