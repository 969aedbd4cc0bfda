"""Build JavaScript plugins with componentize-js (npm), with a build cache.

A JavaScript plugin is one ES module, ``<name>.js``, that implements the
exports of Pumpkin's world ``pumpkin:plugin/plugin@0.1.0`` the way
componentize-js maps WIT to JavaScript (``export function onLoad(context)``,
``export const metadata = { getMetadata() {...} }``, imports such as
``import { Command } from 'pumpkin:plugin/command@0.1.0'``). It is built
against the WIT that pumpkin-api-py ships (gui/devkit/wasm_tools.py), the
same contract the Python SDK builds against.

The toolchain is ``resources/sdk/js/``: a package.json and package-lock.json
pinning ``@bytecodealliance/componentize-js``, installed on first use into
``<devkit cache>/js-sdk/<sha256 of the lockfile>/`` (gui/devkit/npm_install.py),
and ``build.mjs``, which runs it. A build takes ~15 s and writes a ~12 MB
component, so results are cached by a hash of the plugin's sources, the
lockfile and the WIT (gui/devkit/build_cache.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from pathlib import Path

from gui.devkit import devkit_cache_dir
from gui.devkit.build_cache import cached_build, hash_files, source_files
from gui.devkit.npm_install import NpmInstallError, install_lockfile, lockfile_key, require_tool
from gui.devkit.wasm_tools import pumpkin_wit_dir
from gui.errors import PumpkinPatchError

log = logging.getLogger(__name__)

# gui/devkit/js_build.py -> repository top -> resources/sdk/js
TOOLCHAIN_SOURCE = Path(__file__).resolve().parents[2] / "resources" / "sdk" / "js"
BUILD_SCRIPT = "build.mjs"
WORLD = "plugin"
NPM_TIMEOUT = 900.0
BUILD_TIMEOUT = 300.0
_TAIL_LINES = 30


class JsBuildError(PumpkinPatchError):
    """A JavaScript plugin could not be built; the message names the file and why."""


def ensure_toolchain(cache_root: Path | None = None) -> Path:
    """Install componentize-js from the lockfile (once); returns the install directory."""
    base = Path(cache_root or devkit_cache_dir()) / "js-sdk"
    try:
        return install_lockfile(TOOLCHAIN_SOURCE, base, timeout=NPM_TIMEOUT,
                                what="the JavaScript plugin toolchain (componentize-js)")
    except NpmInstallError as exc:
        raise JsBuildError(str(exc)) from exc


def cache_key(source_dir: Path, wit_dir: Path) -> str:
    """sha256 (hex) of the plugin's files, the WIT it is built against and the toolchain."""
    digest = hashlib.sha256()
    digest.update(lockfile_key(TOOLCHAIN_SOURCE).encode())
    digest.update((TOOLCHAIN_SOURCE / BUILD_SCRIPT).read_bytes())
    for root in (source_dir, wit_dir):
        hash_files(digest, root, source_files(root))
    return digest.hexdigest()


def build_js_plugin(source_dir: Path, module: str, cache_dir: Path, *,
                    output_name: str | None = None, wit_dir: Path | None = None,
                    world: str = WORLD, timeout: float = BUILD_TIMEOUT) -> Path:
    """Build ``<source_dir>/<module>.js`` into a component, or reuse a cached build.

    Returns ``<cache_dir>/<key>/<output_name or module>.wasm``. Raises
    :class:`JsBuildError` naming the file, with the compiler's last lines.
    """
    source_dir = Path(source_dir).resolve()
    entry = source_dir / f"{module}.js"
    if not entry.is_file():
        raise JsBuildError(f"JavaScript plugin {entry} does not exist")
    wit = Path(wit_dir) if wit_dir else pumpkin_wit_dir()
    # The toolchain is installed (or checked) only for a build: a cached one needs no npm.
    return cached_build(Path(cache_dir), cache_key(source_dir, wit), output_name or module,
                        lambda out: _run(ensure_toolchain(), entry, wit, world, out, timeout))


def _run(toolchain: Path, entry: Path, wit: Path, world: str, out: Path,
         timeout: float) -> None:
    cmd = [require_tool("node", "building a JavaScript plugin"),
           str(TOOLCHAIN_SOURCE / BUILD_SCRIPT), str(toolchain / "node_modules"),
           str(entry), str(wit), world, str(out)]
    log.info("building JavaScript plugin %s", entry)
    try:
        proc = subprocess.run(cmd, cwd=entry.parent, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              timeout=timeout, check=False,
                              env={**os.environ, "NODE_NO_WARNINGS": "1"})
    except subprocess.TimeoutExpired:
        raise JsBuildError(f"Building the JavaScript plugin {entry} did not finish within "
                           f"{timeout:.0f} s; check it does no endless work at the top "
                           "level of the module, then build again.") from None
    if proc.returncode != 0 or not out.is_file():
        tail = "\n".join((proc.stderr + proc.stdout).rstrip().splitlines()[-_TAIL_LINES:])
        raise JsBuildError(
            f"Building the JavaScript plugin {entry} failed (exit code {proc.returncode}).\n"
            f"--- last lines of componentize-js ---\n{tail}\n"
            f"Fix the error shown above in {entry.name}, then build again.")
