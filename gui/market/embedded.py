"""The embedded default source: the sample plugins, served by the app itself.

On first run the app generates an Ed25519 key (``<config>/market/samples.key``)
and pins the built-in source ``samples`` to it, so a fresh install can browse
and install with no network. The samples in ``resources/plugins`` (greeter,
chat_filter, announcer, dice, stats, motd_env, warp) are built with pumpkin-api-py
(cached by source hash, see :mod:`gui.devkit.sdk_build`), inspected, signed and
published into ``<data>/market/samples-repo``, which is served on
127.0.0.1 on a free port while the app runs.

Building takes ~16 s per sample the first time, so the app does it in the
background (the source says "building samples..." until it is done). The
documented command does the same in the foreground::

    pumpkin-patch market build-samples
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gui.market.layout import MarketPaths
from gui.market.repository import Repository, RepositoryError
from gui.market.server import RepositoryServer
from gui.market.signing import generate_key, load_private_key, public_key_hex, save_private_key
from gui.market.sources import EMBEDDED_URL, Source, SourceStore
from gui.paths import atomic_write_text
from gui.runtime import PluginRuntime

log = logging.getLogger(__name__)

SAMPLES_SOURCE = "samples"
EMBEDDED_SAMPLES = ("greeter", "chat_filter", "announcer", "dice", "stats", "motd_env", "warp",
                    "notebook", "hello_js")
CATEGORIES = {"greeter": "chat", "chat_filter": "moderation", "announcer": "chat",
              "dice": "fun", "stats": "utility", "motd_env": "utility", "warp": "world",
              "notebook": "utility", "hello_js": "chat"}
BUILT_FILE = ".built.json"  # sample name -> sha256 of the unsigned build it was published from

T = TypeVar("T")

# The PyInstaller bundle carries the samples built (packaging/pumpkin-patch.spec):
# it has no SDK builder to build them on first run. Absent in a source checkout.
PREBUILT_SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "prebuilt-samples"


def prebuilt_sample(name: str) -> Path | None:
    """``resources/prebuilt-samples/<name>.wasm`` when this build ships it."""
    path = PREBUILT_SAMPLES / f"{name}.wasm"
    return path if path.is_file() else None


async def _in_daemon_thread(work: Callable[[], T]) -> T:
    """Run ``work`` on a daemon thread (an app closing mid-build does not wait for it)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(setter: Callable[[Any], None], value: Any) -> None:
        if not future.done():
            setter(value)

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the awaiting task
            with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                loop.call_soon_threadsafe(settle, future.set_exception, exc)
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, future.set_result, result)

    threading.Thread(target=run, name="sample-build", daemon=True).start()
    return await future


class EmbeddedSamples:
    """The samples repository of one profile: key, source, server and background build.

    Attributes:
        state: "not built", "building samples...", "ready" or "failed: <why>".
        url: The base URL while served, else "".
    """

    def __init__(self, paths: MarketPaths, runtime: PluginRuntime, *, cache_dir: Path | None = None,
                 names: tuple[str, ...] = EMBEDDED_SAMPLES) -> None:
        self.paths = paths
        self.runtime = runtime
        self.cache_dir = cache_dir or paths.app.cache_dir / "sdk-samples"
        self.names = names
        self.repo = Repository(paths.samples_repo)
        self.state = "ready" if self._published() else "not built"
        self.url = ""
        self._server: RepositoryServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def _published(self) -> bool:
        try:
            return bool(self.repo.plugins())
        except RepositoryError:
            return False

    def key(self) -> Ed25519PrivateKey:
        """The samples key, generated (and saved, owner-only) on first use."""
        path = self.paths.samples_key
        if path.exists():
            return load_private_key(path)
        key = generate_key()
        save_private_key(path, key)
        return key

    def ensure_source(self, store: SourceStore) -> Source:
        """Pin the built-in ``samples`` source to the samples key (first run)."""
        key_hex = public_key_hex(self.key())
        current = next((s for s in store.list() if s.embedded), None)
        if current is not None and current.public_key_hex == key_hex:
            return current
        if current is not None:
            # The key file was lost: the old repository is signed with a key we no
            # longer have. Start the built-in source (ours alone) over.
            log.warning("samples key changed; re-pinning the built-in source")
            store.remove(current.name)
            shutil.rmtree(self.paths.samples_repo, ignore_errors=True)
            self.state = "not built"
        return store.add(Source(SAMPLES_SOURCE, EMBEDDED_URL, key_hex, builtin=True))

    async def start(self) -> str:
        """Serve the samples repository on 127.0.0.1 (any free port); returns its URL."""
        if self._server is None:
            self.repo.init(SAMPLES_SOURCE, self.key())
            self._server = RepositoryServer(self.paths.samples_repo, "127.0.0.1", 0)
            self.url = await self._server.start()
        return self.url

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop()
        self.url = ""

    def build_in_background(self) -> None:
        """Start :meth:`build` as a task (does nothing if one is running)."""
        if self._task is None or self._task.done():
            self.state = "building samples..."  # shown at once, before the task runs
            self._task = asyncio.get_running_loop().create_task(self.build())

    async def wait(self, timeout: float | None = None) -> str:
        """Wait for a background build to finish; returns :attr:`state`."""
        if self._task is not None:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        return self.state

    async def build(self) -> None:
        """Build every sample (cached), then sign and publish the new ones."""
        from gui.devkit.sdk_build import build_samples

        self.state = "building samples..."
        failed: list[str] = []
        for name in self.names:
            if self._stopping:
                return
            try:
                built = await _in_daemon_thread(
                    lambda name=name: prebuilt_sample(name) or build_samples(
                        self.cache_dir, [name], jobs=1)[name])
                await self._publish(name, built)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # One sample that cannot be built (say, no Node.js for the JavaScript
                # one) must not keep the others out of the repository.
                first = str(exc).splitlines()[0] if str(exc) else repr(exc)
                failed.append(f"{name}: {first}")
                log.warning("building the sample plugin %s failed: %s", name, exc)
        self.state = f"failed: {'; '.join(failed)}" if failed else "ready"

    async def _publish(self, sample: str, wasm_path: Path) -> None:
        from gui.plugins.files import read_plugin_file
        from gui.plugins.inspect import inspect_file

        wasm = await asyncio.to_thread(read_plugin_file, wasm_path)
        digest = hashlib.sha256(wasm).hexdigest()
        built_file = self.paths.samples_repo / BUILT_FILE
        try:
            built = json.loads(built_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            built = {}
        if built.get(sample) == digest:
            return
        found = await inspect_file(self.runtime, wasm_path)
        md = found.metadata
        existing = self.repo.find(md.name)
        if existing is None or existing.version(md.version) is None:
            await asyncio.to_thread(
                self.repo.publish, wasm, name=md.name, version=md.version, key=self.key(),
                authors=list(md.authors), description=md.description,
                permissions=list(md.permissions), world_version=found.world_version,
                category=CATEGORIES.get(sample, ""))
        else:
            log.info("sample %s %s is already published; bump its version to republish",
                     md.name, md.version)
        built[sample] = digest
        atomic_write_text(built_file, json.dumps(built, indent=1))
