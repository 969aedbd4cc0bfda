"""A marketplace lab: real repositories on 127.0.0.1, real plugins (WAT fixtures), a profile.

``lab`` is used inside ``run(lab_factory, body)``: every test body is a
coroutine that gets a started :class:`Lab` (runtime, Marketplace, servers)
and everything is shut down afterwards, whatever happens.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gui.devkit.wat_build import build_fixture
from gui.market import ClientLimits, Marketplace, ReviewDeferred
from gui.market.repository import Repository
from gui.market.server import RepositoryServer
from gui.market.signing import generate_key, public_key_hex
from gui.paths import AppPaths
from gui.plugins.inspect import inspect_file
from gui.runtime import PluginRuntime

FAST = ClientLimits(read_timeout=0.5, request_timeout=5.0, download_attempts=2)


def plugin_wasm(name: str, version: str, permissions: tuple[str, ...] = ()) -> Path:
    """A tiny real plugin component (the echo fixture) named ``name``."""
    return build_fixture("echo", plugin_name=name, version=version,
                         permissions=list(permissions))


def sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


async def grant_all(request) -> set[str]:
    return set(request.requested)


async def decline(request) -> None:
    return None


async def defer(request) -> set[str]:
    raise ReviewDeferred


@dataclass
class Lab:
    root: Path
    paths: AppPaths
    runtime: PluginRuntime
    market: Marketplace
    keys: dict = field(default_factory=dict)
    servers: dict = field(default_factory=dict)
    reviews: list = field(default_factory=list)
    steps: list = field(default_factory=list)

    def repo(self, name: str) -> Repository:
        if name not in self.keys:
            self.keys[name] = generate_key()
        return Repository(self.root / "repos" / name)

    async def publish(self, repo: str, plugin: str, version: str,
                      permissions: tuple[str, ...] = (), category: str = "") -> None:
        wasm = plugin_wasm(plugin, version, permissions)
        found = await inspect_file(self.runtime, wasm)
        self.repo(repo).publish(
            wasm.read_bytes(), name=plugin, version=version, key=self.keys[repo],
            authors=list(found.metadata.authors), permissions=list(permissions),
            world_version=found.world_version, category=category,
            description=f"{plugin} from {repo}")
        if not self.repo(repo).exists:
            raise AssertionError("publish did not create the repository")

    async def serve(self, repo: str) -> str:
        if repo in self.keys:
            self.repo(repo).init(repo, self.keys[repo])
        server = RepositoryServer(self.root / "repos" / repo)
        self.servers[repo] = server
        return await server.start()

    async def trust(self, repo: str) -> str:
        url = self.servers[repo].url or await self.serve(repo)
        await self.market.add_source(url, public_key_hex(self.keys[repo]), name=repo)
        return url

    def progress(self, step: str, done: int, total: int | None) -> None:
        self.steps.append(step)

    async def review(self, request) -> set[str]:
        self.reviews.append(request)
        return set(request.requested)

    def plugin_files(self) -> list[str]:
        folder = self.paths.plugins_dir
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def downloads(self) -> list[str]:
        folder = self.paths.data_dir / "market" / "downloads"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def _with_lab(tmp_path: Path, body: Callable[[Lab], Awaitable[None]],
                    limits: ClientLimits) -> None:
    paths = AppPaths.under(tmp_path / "profile").ensure()
    from tests.harness import test_cache_dir

    runtime = PluginRuntime(test_cache_dir() / "profile-cache" / "compiled")
    runtime.start()
    market = Marketplace(paths, runtime, limits=limits)
    lab = Lab(tmp_path, paths, runtime, market)
    try:
        await market.start_embedded(build=False)
        await body(lab)
    finally:
        await market.close()
        for server in lab.servers.values():
            await server.stop()
        await asyncio.to_thread(runtime.shutdown)


@pytest.fixture
def run_lab(tmp_path):
    """``run_lab(body, limits=FAST)``: run ``async body(lab)`` in a fresh lab."""

    def run(body: Callable[[Lab], Awaitable[None]], limits: ClientLimits = FAST) -> None:
        asyncio.run(_with_lab(tmp_path, body, limits))

    return run


# -- the command line in a subprocess ----------------------------------------------------------
def cli(basedir: Path, *args: str, env: dict | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """``pumpkin-patch --basedir BASEDIR ARGS`` without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "gui", "--basedir", str(basedir), *args],
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})}, check=False)


@dataclass
class ServeProcess:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def start_serve(basedir: Path, repo_dir: Path) -> ServeProcess:
    """``pumpkin-patch market serve DIR --port 0`` as a subprocess; waits for its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gui", "--basedir", str(basedir), "market", "serve",
         str(repo_dir), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"at (http://127\.0\.0\.1:\d+)", line)
    if not match:
        process.kill()
        raise AssertionError(f"market serve did not start: {line!r} "
                             f"{process.stderr.read() if process.stderr else ''}")
    return ServeProcess(process, match.group(1))


async def serve_app(app) -> tuple[object, str]:
    """Serve an aiohttp app on 127.0.0.1:<free port>; returns (runner, base URL)."""
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"
