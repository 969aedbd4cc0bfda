"""Build Python plugins with Pumpkin's SDK (pumpkin-api-py), with a build cache.

A build takes ~15 s and writes a ~32 MB component, so results are cached under
``<cache_dir>/<key>/<output name>.wasm``. The key is a sha256 over the plugin's
source directory (every file's relative path and bytes, ``__pycache__`` left
out) and the installed versions of pumpkin-api-py and componentize-py: editing
any file of the plugin, or upgrading the SDK, gives a new key.

Builds are safe to run from several processes at once and atomic; a failed
build leaves nothing behind (gui/devkit/build_cache.py).

Bundled samples live in ``resources/plugins/<name>/`` at the top of the
repository (next to ``gui/``). A sample is a directory holding a module named
after the directory, ``<name>/<name>.py`` (Python) or ``<name>/<name>.js``
(JavaScript, built by gui/devkit/js_build.py), plus a README.md saying what
it does. :func:`build_plugin` builds either kind.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gui.devkit.build_cache import cached_build, hash_files, source_files
from gui.devkit.js_build import build_js_plugin
from gui.devkit.project import PluginProject
from gui.devkit.wasm_tools import HOST_WIT_DIR, host_wit_tree
from gui.errors import PumpkinPatchError

log = logging.getLogger(__name__)

BUILDER = "pumpkin-plugin-build"
SDK_DISTRIBUTIONS = ("pumpkin-api-py", "componentize-py")
# gui/devkit/sdk_build.py -> repository top -> resources/plugins
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "plugins"
DEFAULT_TIMEOUT = 600.0
_TAIL_LINES = 30

_counter_lock = threading.Lock()
_builds_run = 0


class SdkBuildError(PumpkinPatchError, RuntimeError):
    """The SDK builder could not produce a component."""


def builds_run() -> int:
    """How many times this process actually ran the builder (cache misses)."""
    return _builds_run


def _count_build() -> None:
    global _builds_run
    with _counter_lock:
        _builds_run += 1


def find_builder() -> Path:
    """The ``pumpkin-plugin-build`` next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / BUILDER
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(BUILDER)
    if found:
        return Path(found)
    raise SdkBuildError(
        f"{BUILDER} was not found next to {sys.executable} or on PATH. "
        "Install Pumpkin's SDK into this environment: pip install pumpkin-api-py"
    )


def _sdk_versions() -> list[str]:
    versions = []
    for dist in SDK_DISTRIBUTIONS:
        try:
            versions.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} missing")
    return versions


def cache_key(source_dir: Path, *, host_world: bool = False) -> str:
    """sha256 (hex) of the plugin's sources plus the SDK and builder versions.

    With ``host_world`` the key also covers this project's WIT (wit/).
    """
    digest = hashlib.sha256()
    for version in _sdk_versions():
        digest.update(version.encode() + b"\0")
    if host_world:
        hash_files(digest, HOST_WIT_DIR, sorted(HOST_WIT_DIR.glob("*.wit")))
    hash_files(digest, source_dir, source_files(source_dir))
    return digest.hexdigest()


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    # A Rust backtrace after the Python error says nothing useful to a plugin author.
    text = text.split("\nStack backtrace:", 1)[0]
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _run_builder(source_dir: Path, module: str, output: Path, timeout: float,
                 host_wit: Path | None = None) -> None:
    builder = find_builder()
    cmd = [str(builder), module, "-o", str(output)]
    if host_wit is not None:  # this project's world (wit/), same SDK underneath
        cmd = [sys.executable, "-m", "gui.devkit.host_world_build", module, "-o", str(output),
               "--wit", str(host_wit)]
    log.info("building SDK plugin %s (module %s)", source_dir, module)
    _count_build()
    env = {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}
    if host_wit is not None:  # `-m gui...` from the plugin's folder: find this package
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root,
                                                          env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run(
            cmd,
            cwd=source_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        out = e.output.decode(errors="replace") if isinstance(e.output, bytes) else e.output
        raise SdkBuildError(
            f"Building the SDK plugin in {source_dir} (module {module!r}) did not finish "
            f"within {timeout:.0f} s.\n"
            f"--- last {_TAIL_LINES} lines of {BUILDER} output ---\n{_tail(out or '')}\n"
            "Check that the plugin does no long-running work at import time (the module "
            "is imported during the build), then build again."
        ) from None
    except OSError as e:
        raise SdkBuildError(
            f"Could not run {builder} for the SDK plugin in {source_dir}: {e}. "
            "Reinstall Pumpkin's SDK: pip install --force-reinstall pumpkin-api-py"
        ) from e
    if proc.returncode != 0 or not output.is_file():
        status = (
            f"exit code {proc.returncode}"
            if proc.returncode != 0
            else "exit code 0 but no output file"
        )
        raise SdkBuildError(
            f"Building the SDK plugin in {source_dir} (module {module!r}) failed "
            f"({status}).\n"
            f"--- last {_TAIL_LINES} lines of {BUILDER} output ---\n{_tail(proc.stdout)}\n"
            f"Fix the error shown above in {source_dir / (module + '.py')} (or the files it "
            "imports), then build again; if the output points at the SDK itself, check "
            "that pumpkin-api-py and componentize-py are installed in this environment."
        )


def build_sdk_plugin(
    source_dir: Path,
    module: str,
    cache_dir: Path,
    *,
    output_name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    host_world: bool = False,
) -> Path:
    """Build ``module`` in ``source_dir`` into a component, or reuse a cached build.

    Returns ``<cache_dir>/<key>/<output_name or module>.wasm``. Raises
    :class:`SdkBuildError` (naming ``source_dir``, with the tail of the
    builder's output) when the build fails. ``host_world`` builds against
    ``pumpkin-patch:host/plugin`` (gui/devkit/project.py) instead of Pumpkin's world.
    """
    source_dir = Path(source_dir).resolve()
    if not source_dir.is_dir():
        raise SdkBuildError(f"SDK plugin source directory {source_dir} does not exist")
    name = output_name or module

    def build(built: Path) -> None:
        if not host_world:
            _run_builder(source_dir, module, built, timeout)
            return
        with tempfile.TemporaryDirectory(prefix="wit-", dir=built.parent) as wit:
            _run_builder(source_dir, module, built, timeout, host_wit_tree(Path(wit)))

    return cached_build(Path(cache_dir), cache_key(source_dir, host_world=host_world), name,
                        build)


def is_js_project(source_dir: Path, module: str) -> bool:
    """Whether the plugin ``module`` in ``source_dir`` is JavaScript (``<module>.js``)."""
    return (Path(source_dir) / f"{module}.js").is_file()


def build_plugin(source_dir: Path, module: str, cache_dir: Path, *,
                 output_name: str | None = None) -> Path:
    """Build the plugin project in ``source_dir`` (gui/devkit/project.py), cached.

    Raises:
        ProjectError: not a plugin project. SdkBuildError / JsBuildError: the build failed.
    """
    project = PluginProject.load(source_dir, module)
    if project.language == "js":
        if not project.uses_host_world:
            return build_js_plugin(project.directory, project.name, cache_dir,
                                   output_name=output_name)
        with tempfile.TemporaryDirectory(prefix="pumpkin-patch-wit-") as wit:
            return build_js_plugin(project.directory, project.name, cache_dir,
                                   output_name=output_name, wit_dir=host_wit_tree(Path(wit)))
    return build_sdk_plugin(project.directory, project.name, cache_dir, output_name=output_name,
                            host_world=project.uses_host_world)


def sample_plugins(samples_dir: Path = SAMPLES_DIR) -> dict[str, tuple[Path, str]]:
    """Bundled samples: ``{name: (source_dir, module)}``.

    A sample is a directory ``<samples_dir>/<name>/`` containing ``<name>.py``
    or ``<name>.js``.
    """
    if not samples_dir.is_dir():
        return {}
    return {
        d.name: (d, d.name)
        for d in sorted(samples_dir.iterdir())
        if d.is_dir() and ((d / f"{d.name}.py").is_file() or is_js_project(d, d.name))
    }


def build_samples(
    cache_dir: Path, names: Iterable[str] | None = None, jobs: int = 2
) -> dict[str, Path]:
    """Build bundled samples (all of them, or ``names``), ``jobs`` at a time.

    Returns ``{name: path to .wasm}``. Raises :class:`SdkBuildError` for an
    unknown name, or the first failure once all builds have finished.
    """
    samples = sample_plugins()
    wanted = sorted(samples) if names is None else list(names)
    unknown = [n for n in wanted if n not in samples]
    if unknown:
        raise SdkBuildError(
            f"Unknown sample plugin(s) {', '.join(unknown)}; "
            f"{SAMPLES_DIR} has: {', '.join(sorted(samples)) or 'none'}"
        )
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            n: pool.submit(build_plugin, samples[n][0], samples[n][1], cache_dir)
            for n in wanted
        }
    # Leaving the `with` waited for every build; now report results in order.
    return {n: f.result() for n, f in futures.items()}


__all__ = [
    "SAMPLES_DIR",
    "SdkBuildError",
    "build_plugin",
    "build_samples",
    "build_sdk_plugin",
    "builds_run",
    "cache_key",
    "find_builder",
    "is_js_project",
    "sample_plugins",
]
