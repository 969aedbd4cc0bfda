"""Held updates as the marketplace sees them: derived from the staged file.

An update held for a permission review has one record: its file,
``AppPaths.staged_update(name)`` (``<plugins>/.staged/<name>.wasm``). The
plugin manager's ``Plugin.pending_update`` is read from it (on start, and
when it stages one); the lockfile's ``held`` table only adds where the update
came from (version, sha256, the permissions it adds) and counts while that
file is there. Whoever resolves a held update (the window's review, ``plugin
approve`` / ``decline``) only touches the staged file; :func:`derive_held`
turns that into the lockfile's view.
"""

from __future__ import annotations

from collections.abc import Mapping

from gui.market.journal import consistent_view
from gui.market.layout import MarketPaths
from gui.market.lockfile import Lockfile
from gui.paths import atomic_write_text, sha256_of


def derive_held(lock: Lockfile, installed: Mapping[str, str | None],
                staged: Mapping[str, bool]) -> Lockfile:
    """The lockfile with each ``held`` entry made true to the files (pure).

    Args:
        lock: The lockfile as read.
        installed: sha256 of the installed file of each plugin with a held entry.
        staged: Whether its staged file still exists.

    A held update whose sha256 is now the installed file's was approved (the
    entry becomes that version); one whose staged file is gone was dropped.
    """
    changed = lock
    for entry in lock.entries.values():
        held = entry.held
        if held is None:
            continue
        if installed.get(entry.name) == held.sha256:
            changed = changed.put(entry.with_(
                version=held.version, sha256=held.sha256, held=None,
                permissions=tuple(sorted(set(entry.permissions) | set(held.new_permissions))),
                previous=None))
        elif not staged.get(entry.name, False):
            changed = changed.put(entry.with_(held=None))
    return changed


def held_lockfile(paths: MarketPaths) -> Lockfile:
    """The lockfile with held updates derived from the files (and written back if changed)."""
    with consistent_view(paths.journal, paths.lock_file):
        lock = Lockfile.load(paths.lockfile)
        names = [e.name for e in lock.entries.values() if e.held]
        installed = {name: sha256_of(paths.plugin_file(name)) for name in names}
        staged = {name: paths.staged_update(name).exists() for name in names}
    changed = derive_held(lock, installed, staged)
    if changed is not lock:
        atomic_write_text(paths.lockfile, changed.dumps())
    return changed
