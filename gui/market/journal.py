"""All-or-nothing changes to the plugins dir and the lockfile, across crashes.

An install, update, rollback or uninstall changes up to three files (the
plugin, its kept previous version, the lockfile). Each such change is a
:class:`Commit`: a list of file moves and deletions plus the complete new
lockfile text. It is first written to ``<data>/market/journal.json``
(atomically), then carried out, then the journal is deleted. Killing the
process at any point leaves either no journal (the old state: nothing was
touched yet, or the change is complete) or a journal, which
:func:`recover` finishes on the next start, before any plugin loads (the
new state). Every step is idempotent: a move carries the sha256 of the file
it moves and is skipped when the source is gone or holds other bytes,
because that means it already happened.

Readers see one state or the other too, not only after the next start: a
reader of the plugins dir and the lockfile does so inside
:func:`consistent_view`, which holds the market lock shared (so no commit
runs while it reads) and first finishes a journal a killed writer left.

Tests stop a real install at a named step with ``PUMPKIN_PATCH_MARKET_PAUSE_AT``
(see :func:`pause_point`) and kill it there.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gui.errors import PumpkinPatchError
from gui.paths import atomic_write_text, sha256_of

PAUSE_ENV = "PUMPKIN_PATCH_MARKET_PAUSE_AT"
LOCK_TIMEOUT = 60.0
_held_here = 0  # market locks this process holds now (see consistent_view)


class JournalError(PumpkinPatchError):
    """A commit or its recovery could not be carried out; the message says which file."""


def pause_point(step: str) -> None:
    """Test hook: when ``$PUMPKIN_PATCH_MARKET_PAUSE_AT`` names ``step``, stop here for good.

    Prints ``market: paused at STEP`` to stderr so the test knows when to kill.
    Does nothing otherwise.
    """
    if os.environ.get(PAUSE_ENV) != step:
        return
    print(f"market: paused at {step}", file=sys.stderr, flush=True)
    while True:  # the test kills the process here
        time.sleep(3600)


@dataclass(frozen=True)
class Move:
    """Move ``src`` over ``dst`` (``os.replace``), if ``src`` still holds ``sha256``."""

    src: str
    dst: str
    sha256: str


@dataclass(frozen=True)
class Delete:
    """Delete a file (or, with ``tree``, a directory); missing is fine."""

    path: str
    tree: bool = False


@dataclass
class Commit:
    """One change: operations in order, then the new lockfile text (None: unchanged)."""

    lockfile: Path
    lock_text: str | None
    ops: list[Move | Delete] = field(default_factory=list)

    def to_json(self) -> str:
        ops = [{"move": [o.src, o.dst, o.sha256]} if isinstance(o, Move)
               else {"delete": o.path, "tree": o.tree} for o in self.ops]
        return json.dumps({"version": 1, "lockfile": str(self.lockfile),
                           "lock_text": self.lock_text, "ops": ops}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Commit:
        data = json.loads(text)
        ops: list[Move | Delete] = []
        for op in data["ops"]:
            if "move" in op:
                ops.append(Move(*op["move"]))
            else:
                ops.append(Delete(op["delete"], bool(op.get("tree"))))
        return cls(Path(data["lockfile"]), data["lock_text"], ops)


def _run(commit: Commit, *, pausing: bool) -> None:
    for index, op in enumerate(commit.ops):
        if isinstance(op, Move):
            src, dst = Path(op.src), Path(op.dst)
            if sha256_of(src) == op.sha256:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        elif op.tree:
            shutil.rmtree(op.path, ignore_errors=True)
        else:
            Path(op.path).unlink(missing_ok=True)
        if pausing and index == 0:
            pause_point("commit.first-op")
    if pausing:
        pause_point("commit.lockfile")
    if commit.lock_text is not None:
        atomic_write_text(commit.lockfile, commit.lock_text)


def apply(journal: Path, commit: Commit) -> None:
    """Carry out ``commit`` so that a crash at any point can be finished by :func:`recover`.

    Raises:
        JournalError: a file operation failed (the journal stays, so the next
            start finishes or the admin can see what happened).
    """
    try:
        atomic_write_text(journal, commit.to_json())
        pause_point("commit.journal")
        _run(commit, pausing=True)
        journal.unlink(missing_ok=True)
    except OSError as exc:
        raise JournalError(f"committing the change failed at {exc.filename or journal}: "
                           f"{exc.strerror or exc}; it is finished on the next start") from exc


def recover(journal: Path, lock_path: Path | None = None) -> bool:
    """Finish a commit a killed process left behind. Returns True if there was one.

    With ``lock_path``, waits for the market lock first, so a commit another
    live process is making right now is never replayed under its feet.

    Raises:
        JournalError: the journal is unreadable or a file operation failed.
    """
    if lock_path is not None:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # commits hold it for milliseconds
            return recover(journal)
        finally:
            os.close(fd)
    if not journal.exists():
        return False
    try:
        commit = Commit.from_json(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # A journal is written atomically, so a torn one means someone edited it.
        raise JournalError(f"{journal} is unreadable ({exc}); delete it and check the "
                           "plugins dir by hand") from exc
    try:
        _run(commit, pausing=False)
        journal.unlink(missing_ok=True)
    except OSError as exc:
        raise JournalError(f"finishing the interrupted change failed at "
                           f"{exc.filename or journal}: {exc.strerror or exc}") from exc
    return True


@contextlib.asynccontextmanager
async def market_lock(path: Path, *, timeout: float = LOCK_TIMEOUT) -> AsyncIterator[None]:
    """Hold the profile's market lock (one commit at a time, across processes)."""
    global _held_here
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    held = False
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if loop.time() > deadline:
                    raise JournalError(
                        f"another Pumpkin Patch process has held {path} for over "
                        f"{timeout:.0f} s; wait for its market operation to finish") from None
                await asyncio.sleep(0.05)
        held = True
        _held_here += 1
        yield
    finally:
        if held:
            _held_here -= 1
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def consistent_view(journal: Path, lock_path: Path) -> Iterator[None]:
    """Read the plugins dir and the lockfile inside this: both show the same state.

    Holds the market lock shared for the duration, so no commit runs
    meanwhile (a commit holds it exclusively for milliseconds, so waiting for
    it is short). A journal found while holding it was left by a killed
    writer: it is finished first (exclusively), as the next start would.
    While this process itself holds the market lock, the view does not wait
    (it would wait for itself): readers here see their own commit as it goes.

    Raises:
        JournalError: the journal is unreadable or finishing it failed.
    """
    if _held_here:
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        if journal.exists():
            fcntl.flock(fd, fcntl.LOCK_EX)  # flock converts by release + take: no deadlock
            recover(journal)
            fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)
