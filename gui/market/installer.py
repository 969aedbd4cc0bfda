"""The install pipeline, the same for the command line and the window.

Steps, in order (each reported through ``progress(step, done, total)``):

``resolve``   which plugin, version and source (done by the caller: :class:`Artifact`)
``download``  into ``<data>/market/downloads/`` (size-capped, resumable)
``verify``    sha256 against the listing; Ed25519 signature against the key pinned
              for the source (sideloaded files: against every trusted key, and an
              explicit choice when that fails); the signed metadata must name the
              plugin and version that were asked for
``inspect``   metadata, permissions, world version, unsupported imports (never on-load)
``review``    the one admission decision (:func:`gui.permissions.admission.decide`):
              nothing to ask -> approved by policy; an update that asks for
              nothing new -> inherits its grants; otherwise the caller's
              ``review`` callable (the dialog, or console questions)
``commit``    atomic move into the plugins dir + lockfile (:mod:`gui.market.journal`);
              the version it replaces is kept for a one-step rollback
``load``      when a server is running: (re)load the plugin

A sideloaded file (:meth:`Installer.install_file`: ``market install FILE``,
``plugin add FILE``, the window's drop and file dialog) is an artifact like
any other: named by its own metadata, checked by the one name rule
(:func:`gui.paths.unsafe_name_reason`), and run through the same steps.

Any failure raises :class:`InstallError` naming the step, the plugin, the source
and the reason, and leaves nothing behind (the temp file is removed; nothing in
the plugins dir or lockfile changed). A ``review`` callable returns the granted
set, None to decline (nothing is installed), or raises :class:`ReviewDeferred`
to leave the decision open (a new plugin is installed but does not run until
reviewed; an update is held while the old version keeps running).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gui.market.artifacts import (
    Artifact,
    InstallError,
    InstallResult,
    Progress,
    Review,
    ReviewDeferred,
)
from gui.market.journal import (
    Commit,
    Delete,
    JournalError,
    Move,
    apply,
    market_lock,
    pause_point,
)
from gui.market.layout import MarketPaths
from gui.market.lockfile import HeldUpdate, LockEntry, Lockfile, LockfileError, PreviousVersion
from gui.market.plugin_host import PluginHost
from gui.market.signing import SignatureError, classify, fingerprint, verify_signature
from gui.market.sources import Source
from gui.paths import sha256_of, unsafe_name_reason
from gui.permissions import GrantStore, PermissionPolicy, build_review
from gui.permissions.admission import decide
from gui.plugins.files import read_plugin_file
from gui.plugins.inspect import InspectError, Inspection, inspect_file
from gui.profile_lock import pid_alive
from gui.runtime import PluginRuntime


@dataclass
class _Step:
    """The step a pipeline run is in (for the error message if it fails)."""

    name: str


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Installer:
    """Runs the pipeline for one profile."""

    paths: MarketPaths
    runtime: PluginRuntime  # started
    grants: GrantStore
    policy: PermissionPolicy
    allow_unsigned: bool = False
    host: PluginHost | None = None

    # -- housekeeping -------------------------------------------------------------------
    def clean_downloads(self) -> None:
        """Delete temp files of downloads whose process is gone (killed installs)."""
        folder = self.paths.downloads_dir
        for path in folder.glob("*") if folder.is_dir() else []:
            pid_text = path.name.split("-", 1)[0]
            if not pid_text.isdigit() or not pid_alive(int(pid_text)):
                with contextlib.suppress(OSError):
                    path.unlink()

    def temp_path(self, name: str) -> Path:
        self.paths.downloads_dir.mkdir(parents=True, exist_ok=True)
        return self.paths.downloads_dir / f"{os.getpid()}-{name}-{secrets.token_hex(4)}.part"

    # -- the pipeline ----------------------------------------------------------------------
    @staticmethod
    def _enter(at: _Step, step: str, progress: Progress | None) -> None:
        at.name = step
        if progress is not None:
            progress(step, 0, None)
        pause_point(step)

    async def install_file(self, path: Path, review: Review, progress: Progress | None = None,
                           *, allow_unsigned: bool | None = None) -> InstallResult:
        """Sideload a .wasm: the pipeline of any artifact, named by its own metadata.

        Raises:
            InstallError: a step failed (or the file is unverified and unsigned
                installs are not allowed); nothing was changed.
        """
        path = Path(path)
        if progress is not None:
            progress("resolve", 0, None)
        if not path.is_file():
            raise InstallError("resolve", path.name, "", f"{path}: no such file")
        try:
            found = await inspect_file(self.runtime, path)
        except InspectError as exc:
            raise InstallError("inspect", path.name, "", str(exc)) from exc
        artifact = Artifact(name=found.metadata.name, version=found.metadata.version,
                            local_path=path)
        return await self.run(artifact, review, progress, allow_unsigned=allow_unsigned)

    async def run(self, artifact: Artifact, review: Review, progress: Progress | None = None,
                  *, allow_unsigned: bool | None = None) -> InstallResult:
        """Download (or read), verify, inspect, review, commit and load ``artifact``.

        Raises:
            InstallError: any step failed; nothing was changed.
        """
        source_name = artifact.source.name if artifact.source else ""
        at = _Step("resolve")
        if reason := unsafe_name_reason(artifact.name):
            raise InstallError("resolve", artifact.name, source_name,
                               f"{reason}; refusing to install it")
        tmp = self.temp_path(artifact.name)
        try:
            return await self._run(at, artifact, tmp, review, progress,
                                   self.allow_unsigned if allow_unsigned is None
                                   else allow_unsigned)
        except InstallError:
            raise
        except (InspectError, SignatureError, LockfileError, JournalError, OSError) as exc:
            raise InstallError(at.name, artifact.name, source_name, str(exc)) from exc
        except Exception as exc:  # e.g. a source error while downloading
            raise InstallError(at.name, artifact.name, source_name,
                               str(exc) or type(exc).__name__) from exc
        finally:
            tmp.unlink(missing_ok=True)

    async def _run(self, at: _Step, artifact: Artifact, tmp: Path, review: Review,
                   progress: Progress | None, allow_unsigned: bool) -> InstallResult:
        name = artifact.name
        source = artifact.source
        source_name = source.name if source else ""

        def fail(reason: str) -> InstallError:
            return InstallError(at.name, name, source_name, reason)

        # download
        self._enter(at, "download", progress)
        if artifact.fetch is not None:
            await artifact.fetch(tmp, progress or (lambda *_: None))
        elif artifact.local_path is not None:
            data = await asyncio.to_thread(read_plugin_file, artifact.local_path)
            await asyncio.to_thread(tmp.write_bytes, data)
            if progress is not None:
                progress("download", len(data), len(data))
        # 32 MB files: read and hash off the event loop (which is the GUI thread).
        wasm = await asyncio.to_thread(read_plugin_file, tmp)
        sha256 = await asyncio.to_thread(lambda: hashlib.sha256(wasm).hexdigest())

        # verify
        self._enter(at, "verify", progress)
        if artifact.size is not None and len(wasm) != artifact.size:
            raise fail(f"the file is {len(wasm):,} bytes but the listing announced "
                       f"{artifact.size:,}")
        if artifact.sha256 is not None and sha256 != artifact.sha256:
            raise fail(f"sha256 {sha256} does not match {artifact.sha256} in the listing; the "
                       "file was changed or the listing is wrong; nothing was installed")
        if source is not None:
            parts = verify_signature(wasm, source.public_key_hex, source=source.name)
            signature, signer = "verified", source.fingerprint
            signed_name = parts.metadata.get("plugin_name")
            signed_version = parts.metadata.get("version")
            if signed_name != name:
                raise fail(f"the signature is for plugin {signed_name!r}, not {name!r}")
            if artifact.version is not None and signed_version != artifact.version:
                raise fail(f"the signature is for version {signed_version!r}, not "
                           f"{artifact.version!r} (a replayed old artifact?)")
        else:
            trusted = {s.name: s.public_key_hex for s in self._trusted()}
            check = classify(wasm, trusted)
            signature = check.status
            signer = fingerprint(trusted[check.signer]) if check.signer else None
            if check.status != "verified" and not allow_unsigned:
                raise fail(f"the file is {check.status} ({check.reason}); installing it needs "
                           "an explicit choice: pass --allow-unsigned, or set allow_unsigned = "
                           "true under [plugins] in config.toml")

        # inspect
        self._enter(at, "inspect", progress)
        found: Inspection = await inspect_file(self.runtime, tmp)
        md = found.metadata
        if reason := unsafe_name_reason(md.name):
            raise fail(f"its metadata names it {md.name!r}: {reason}")
        if md.name != name:
            raise fail(f"the file is the plugin {md.name!r}, not {name!r}")
        if artifact.version is not None and md.version != artifact.version:
            raise fail(f"the file is version {md.version}, but {artifact.version} was asked for")
        if artifact.permissions is not None:
            unannounced = sorted(set(md.permissions) - set(artifact.permissions))
            if unannounced:
                raise fail(f"it requests permissions the listing did not show: "
                           f"{', '.join(unannounced)}; refusing it")

        # the current state, for update decisions
        lock = Lockfile.load(self.paths.lockfile)
        installed_sha = await asyncio.to_thread(sha256_of, self.paths.plugin_file(name))
        if installed_sha == sha256:
            return InstallResult(name, md.version, "unchanged", source_name, signer, signature,
                                 sha256, tuple(md.permissions),
                                 state=self.host.state(name) if self.host else "",
                                 message=f"{name} {md.version} is already installed")
        updating = installed_sha is not None

        # review
        self._enter(at, "review", progress)
        granted, deferred, admission = await self._review(md, sha256, signature, signer,
                                                          review)
        if granted is None and not deferred:
            return InstallResult(name, md.version, "declined", source_name, signer, signature,
                                 sha256, tuple(md.permissions),
                                 message=f"{name} {md.version}: declined; nothing was installed",
                                 admission=admission)
        if granted is not None:
            self.grants.approve(name, sha256, md.permissions, granted)

        entry = LockEntry(
            name=name, version=md.version, sha256=sha256, file=f"{name}.wasm",
            public_id=artifact.public_id or f"local-{name}", id=artifact.numeric_id,
            author=artifact.author or ", ".join(md.authors), source=source_name,
            source_url=source.url if source else str(artifact.local_path or ""),
            signer=signer or "", signature=signature, permissions=tuple(md.permissions),
            installed_at=_now(), updated_at=_now())

        # commit (or hold an update that waits for review)
        self._enter(at, "commit", progress)
        if deferred and updating:
            await self._hold(name, tmp, sha256, entry, lock)
            added = sorted(set(md.permissions) - set(self._previous_requested(name)))
            return InstallResult(
                name, md.version, "held", source_name, signer, signature, sha256,
                tuple(md.permissions), None, tuple(found.unimplemented),
                state=self.host.state(name) if self.host else "",
                message=f"{name} {md.version} asks for more permissions "
                        f"({', '.join(added) or 'changed'}) and is held for review; the "
                        "installed version keeps running", admission=admission)
        await self._commit_install(name, tmp, sha256, entry)

        # load
        self._enter(at, "load", progress)
        state = ""
        if self.host is not None:
            state = await self.host.activate(name, self.paths.plugin_file(name))
        outcome = "updated" if updating else "installed"
        note = "" if granted is not None else " (undecided: it runs once its permissions " \
                                              "are reviewed)"
        return InstallResult(
            name, md.version, outcome, source_name, signer, signature, sha256,
            tuple(md.permissions),
            self.policy.effective(name, md.permissions, granted) if granted is not None
            else None,
            tuple(found.unimplemented), state,
            f"{name} {md.version} {outcome}{note}", admission=admission)

    def _trusted(self) -> list[Source]:
        from gui.market.sources import SourceStore

        return SourceStore(self.paths.sources_file).list()

    def _previous_requested(self, name: str) -> frozenset[str]:
        decision = self.grants.decision(name)
        return decision.requested

    async def _review(self, md: Any, sha256: str, signature: str, signer: str | None,
                      review: Review) -> tuple[set[str] | None, bool, str]:
        """``(granted, deferred, verdict)``: granted None and not deferred means declined."""
        name = md.name
        requested = frozenset(md.permissions)
        decision = decide(name, sha256, requested, self.grants.decision(name), self.policy,
                          explicit=True)
        if decision.approved:
            return set(decision.granted), False, decision.verdict
        previous = decision.previous
        request = build_review(md, previous=previous if previous.decided else None,
                               policy=self.policy, signature=signature,
                               signer=signer, sha256=sha256)
        try:
            answer = await review(request)
        except ReviewDeferred:
            return None, True, decision.verdict
        if answer is None:
            return None, False, decision.verdict
        return set(answer) & set(requested), False, decision.verdict

    async def _commit_install(self, name: str, tmp: Path, sha256: str,
                              entry: LockEntry) -> None:
        paths = self.paths
        async with market_lock(paths.lock_file):
            lock = Lockfile.load(paths.lockfile)
            current = lock.get(name)
            plugin_path = paths.plugin_file(name)
            installed = await asyncio.to_thread(sha256_of, plugin_path)
            ops: list[Move | Delete] = []
            previous: PreviousVersion | None = None
            if installed is not None:
                ops.append(Move(str(plugin_path), str(paths.previous_file(name)), installed))
                if current is not None and current.sha256 == installed:
                    previous = current.as_previous()
                else:  # added by hand (plugin add): keep it, but we know little about it
                    previous = PreviousVersion(version="?", sha256=installed,
                                               signature="unsigned")
            else:
                ops.append(Delete(str(paths.previous_file(name))))
            ops.append(Move(str(tmp), str(plugin_path), sha256))
            ops.append(Delete(str(paths.staged_update(name))))
            new_lock = lock.put(entry.with_(previous=previous, held=None))
            commit = Commit(paths.lockfile, new_lock.dumps(), ops)
            await asyncio.to_thread(apply, paths.journal, commit)

    async def _hold(self, name: str, tmp: Path, sha256: str, entry: LockEntry,
                    lock: Lockfile) -> None:
        """An update deferred for review: the manager holds it; the lockfile says so."""
        paths = self.paths
        held = HeldUpdate(entry.version, sha256,
                          tuple(sorted(set(entry.permissions)
                                       - set(self._previous_requested(name)))))
        if self.host is not None and await self.host.hold(name, tmp):
            ops: list[Move | Delete] = []
        else:  # no server running: the manager picks it up from .staged on start
            ops = [Move(str(tmp), str(paths.staged_update(name)), sha256)]
        async with market_lock(paths.lock_file):
            lock = Lockfile.load(paths.lockfile)
            current = lock.get(name)
            if current is None:  # installed by hand: start its entry from the file
                on_disk = await asyncio.to_thread(sha256_of, paths.plugin_file(name))
                current = LockEntry(name=name, version="?", file=f"{name}.wasm",
                                    sha256=on_disk or "",
                                    public_id=f"local-{name}")
            new_lock = lock.put(current.with_(held=held))
            commit = Commit(paths.lockfile, new_lock.dumps(), ops)
            await asyncio.to_thread(apply, paths.journal, commit)

    # -- rollback and uninstall ----------------------------------------------------------------
    async def rollback(self, name: str) -> InstallResult:
        """Swap the installed version with the kept previous one.

        Raises:
            InstallError: nothing to roll back to, or the kept file is damaged.
        """
        paths = self.paths
        async with market_lock(paths.lock_file):
            lock = Lockfile.load(paths.lockfile)
            entry = lock.get(name)
            if entry is None:
                raise InstallError("rollback", name, "", "it was not installed from the "
                                   "marketplace (see 'pumpkin-patch market installed')")
            prev = entry.previous
            kept = paths.previous_file(entry.name)
            if prev is None or not kept.exists():
                raise InstallError("rollback", name, entry.source,
                                   "no previous version is kept (only the version before the "
                                   "last update can be restored)")
            if await asyncio.to_thread(sha256_of, kept) != prev.sha256:
                raise InstallError("rollback", name, entry.source,
                                   f"the kept previous version {kept} does not match its "
                                   "recorded sha256; reinstall the plugin instead")
            plugin_path = paths.plugin_file(entry.name)
            current_sha = await asyncio.to_thread(sha256_of, plugin_path)
            swap = paths.downloads_dir / f"{os.getpid()}-{entry.name}-rollback.part"
            ops: list[Move | Delete] = [Move(str(kept), str(swap), prev.sha256)]
            if current_sha is not None:
                ops.append(Move(str(plugin_path), str(kept), current_sha))
            ops.append(Move(str(swap), str(plugin_path), prev.sha256))
            ops.append(Delete(str(paths.staged_update(entry.name))))
            restored = LockEntry(
                name=entry.name, version=prev.version, sha256=prev.sha256, file=entry.file,
                public_id=prev.public_id or entry.public_id, id=entry.id, author=entry.author,
                source=prev.source, source_url=prev.source_url, signer=prev.signer,
                signature=prev.signature, permissions=prev.permissions,
                installed_at=prev.installed_at, updated_at=_now(),
                previous=entry.as_previous() if current_sha is not None else None)
            commit = Commit(paths.lockfile, lock.put(restored).dumps(), ops)
            await asyncio.to_thread(apply, paths.journal, commit)
        state = ""
        if self.host is not None:
            if self.host.has(entry.name):
                await self.host.unload(entry.name)
            state = await self.host.activate(entry.name, plugin_path)
        return InstallResult(entry.name, prev.version, "rolled-back", prev.source,
                             prev.signer or None, prev.signature, prev.sha256, prev.permissions,
                             state=state,
                             message=f"{entry.name} rolled back from {entry.version} to "
                                     f"{prev.version}")

    async def uninstall(self, name: str, *, keep_data: bool) -> LockEntry | None:
        """Remove ``name``: its file, kept previous version, held update, lock entry, grants.

        Its data dir goes too unless ``keep_data``. Returns the removed lock
        entry (None for a plugin that was not installed from the marketplace).

        Raises:
            InstallError: no such plugin.
        """
        paths = self.paths
        if reason := unsafe_name_reason(name):
            raise InstallError("uninstall", name, "", reason)
        if self.host is not None:
            await self.host.unload(name)
        async with market_lock(paths.lock_file):
            lock = Lockfile.load(paths.lockfile)
            entry = lock.get(name)
            real = entry.name if entry else name
            plugin_path = paths.plugin_file(real)
            if entry is None and not plugin_path.exists():
                raise InstallError("uninstall", name, "", f"no plugin called {name!r} is "
                                   f"installed in {paths.plugins_dir}")
            ops: list[Move | Delete] = [
                Delete(str(plugin_path)), Delete(str(paths.previous_file(real))),
                Delete(str(paths.staged_update(real)))]
            if not keep_data:
                ops += [Delete(str(paths.data_dir(real)), tree=True),
                        Delete(str(paths.app.plugin_store_file(real)))]
            commit = Commit(paths.lockfile, lock.without(real).dumps(), ops)
            await asyncio.to_thread(apply, paths.journal, commit)
        self.grants.forget(real)
        if self.host is not None:
            await self.host.forget(real)
        return entry
