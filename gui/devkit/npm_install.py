"""Install npm packages from a committed lockfile into a cache, once per lockfile.

A folder with ``package.json`` and ``package-lock.json`` (exact versions) is
installed with ``npm ci`` into ``<base>/<sha256 of the lockfile>/``, so the
install survives between runs and a changed lockfile gets a fresh directory.
Installs go into a temporary directory beside the target and are renamed into
place: two processes that race both install, one rename wins, and nobody ever
sees half an install. Used for the test clients (gui/devkit/node_clients.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from gui.errors import PumpkinPatchError

log = logging.getLogger(__name__)

MANIFESTS = ("package.json", "package-lock.json")
# A temporary install older than this was left by a process that died mid-install.
STALE_INSTALL_S = 3600.0
_TAIL_LINES = 30


class NpmInstallError(PumpkinPatchError, RuntimeError):
    """Node.js or npm is missing, or a lockfile's packages could not be installed."""


def require_tool(name: str, what: str = "this") -> str:
    """The path of ``node`` or ``npm``, or NpmInstallError saying how to get it."""
    found = shutil.which(name)
    if not found:
        raise NpmInstallError(
            f"{name} was not found on PATH; {what} needs Node.js 20 or newer with npm. "
            "Install them (e.g. apt-get install nodejs npm) and run again."
        )
    return found


def lockfile_key(source: Path) -> str:
    """sha256 (hex) of ``source``'s lockfile: the name of its install directory."""
    return hashlib.sha256((source / "package-lock.json").read_bytes()).hexdigest()


def _installed(directory: Path) -> bool:
    """Whether every dependency that ``directory/package.json`` names is in its node_modules."""
    try:
        wanted = json.loads((directory / "package.json").read_text())["dependencies"]
    except (OSError, ValueError, KeyError):
        return False
    return all((directory / "node_modules" / name / "package.json").is_file() for name in wanted)


def _remove_stale_installs(base: Path) -> None:
    now = time.time()
    for leftover in base.glob(".install-*"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > STALE_INSTALL_S:
                shutil.rmtree(leftover, ignore_errors=True)


def _npm_ci(directory: Path, lockfile: Path, timeout: float, what: str) -> None:
    # Packages may declare a newer node than they need (mineflayer 4.39: >=22, runs
    # on 20): --engine-strict=false keeps a machine-wide engine-strict setting from
    # refusing them. Install scripts of the locked packages are not run.
    cmd = [require_tool("npm", what), "ci", "--engine-strict=false", "--ignore-scripts",
           "--no-audit", "--no-fund", "--prefer-offline"]
    log.info("installing %s from %s into %s", what, lockfile, directory)
    env = {**os.environ, "npm_config_update_notifier": "false"}
    try:
        proc = subprocess.run(cmd, cwd=directory, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        out = e.output.decode(errors="replace") if isinstance(e.output, bytes) else e.output
        raise NpmInstallError(
            f"npm ci for {lockfile} did not finish within {timeout:.0f} s.\n"
            f"--- last {_TAIL_LINES} lines of npm output ---\n{_tail(out or '')}\n"
            "Check that the npm registry is reachable, then run again."
        ) from None
    if proc.returncode != 0 or not _installed(directory):
        raise NpmInstallError(
            f"npm ci for {lockfile} failed (exit code {proc.returncode}).\n"
            f"--- last {_TAIL_LINES} lines of npm output ---\n{_tail(proc.stdout)}\n"
            "Fix what npm reports above (registry access, or a lockfile that no longer "
            "matches package.json: run `npm install --package-lock-only` in "
            f"{lockfile.parent}), then run again."
        )


def _tail(text: str) -> str:
    """The last lines of npm's output, less what says nothing about this failure."""
    lines = [line for line in text.rstrip().splitlines()
             if not line.startswith("npm warn EBADENGINE")]  # expected: node 20 < >=22
    # A usage error is followed by the whole `npm ci` help text, which would push
    # the reason out of the tail: keep the reason, drop the help.
    if "npm error Usage:" in lines:
        start = max(0, lines.index("npm error Usage:") - 2)
        end = next((i for i, line in enumerate(lines)
                    if line.startswith('npm error Run "npm help')), len(lines) - 1)
        lines = lines[:start] + lines[end + 1:]
    return "\n".join(lines[-_TAIL_LINES:])


def install_lockfile(source: Path, base: Path, *, what: str, timeout: float) -> Path:
    """Install ``source``'s locked packages under ``base`` (once); returns the directory.

    Raises:
        NpmInstallError: node/npm missing, or npm failed (its output included).
    """
    target = base / lockfile_key(source)
    if _installed(target):
        return target
    require_tool("node", what)  # fail before a long install that nothing could run
    base.mkdir(parents=True, exist_ok=True)
    _remove_stale_installs(base)
    # Beside the target, so the rename stays on one filesystem.
    tmp = Path(tempfile.mkdtemp(prefix=".install-", dir=base))
    try:
        for name in MANIFESTS:
            shutil.copyfile(source / name, tmp / name)
        _npm_ci(tmp, source / "package-lock.json", timeout, what)
        try:
            os.rename(tmp, target)
        except OSError:
            if not _installed(target):  # not a lost race: a real failure
                raise
            log.debug("another process installed %s first", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("installed %s into %s", what, target)
    return target
