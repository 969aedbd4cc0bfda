"""The repository server: Pumpkin's marketplace REST shape over a repository directory.

Routes (base ``/api/v1/rest``), as Pumpkin's marketplace and ppm use them:

``GET /plugins?q&category&type&page&limit``
    JSON array of plugins (latest version each). ``q`` matches name,
    description and authors (case-insensitive); ``page`` is 1-based,
    ``limit`` 1..200 (default 50).
``GET /plugins/{id}``
    One plugin (``id`` = public id, numeric id or name) plus ``versions``.
``GET /plugins/{id}/download[?version=V]``
    The signed .wasm (latest unless ``version``); Range requests work, so
    an interrupted download resumes.
``GET /check-update?plugin_name&current_version``
    ``{update_available, latest_version}`` (+ ``id``, ``public_id``).
``GET /public-key``
    ``{algorithm: "Ed25519", public_key_hex, fingerprint, repository}``.

Pumpkin's fields in every plugin object: ``id`` (integer), ``public_id``,
``name``, ``version``, ``category``, ``type`` ("free"), ``price`` (0),
``downloads``, ``dev_name``, ``preview_url``, ``created_at``, ``updated_at``.

Pumpkin Patch extensions (a plain Pumpkin service omits them; the client
then relies on the signature alone):

``description``, ``authors``
    From the plugin's own metadata.
``permissions``
    The capabilities the plugin requests, so they can be shown before
    downloading (the installer checks them against the file).
``sha256``, ``size``
    Of the signed artifact; the client refuses bytes that differ.
``world_version``
    The ``pumpkin:plugin`` world version the component targets.
``repository``
    The repository's name.
``versions[]`` (details only)
    ``version, sha256, size, permissions, world_version, created_at,
    track`` per published version, newest first.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from gui.market.models import version_key
from gui.market.repository import PublishedPlugin, PublishedVersion, Repository, RepositoryError
from gui.market.signing import fingerprint

REST = "/api/v1/rest"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50

_REPO_KEY: web.AppKey[Repository] = web.AppKey("repository", Repository)
_DOWNLOADS_KEY: web.AppKey[dict[str, int]] = web.AppKey("downloads", dict)


def plugin_json(repo_name: str, plugin: PublishedPlugin, version: PublishedVersion,
                downloads: int = 0) -> dict[str, Any]:
    """One plugin object as the list and details routes return it."""
    return {
        "id": plugin.id,
        "public_id": plugin.public_id,
        "name": plugin.name,
        "version": version.version,
        "category": plugin.category,
        "type": "free",
        "price": 0.0,
        "downloads": downloads,
        "dev_name": plugin.dev_name,
        "preview_url": None,
        "created_at": plugin.created_at,
        "updated_at": plugin.updated_at,
        # Pumpkin Patch extensions (see the module docstring).
        "description": version.description or plugin.description,
        "authors": version.authors,
        "permissions": version.permissions,
        "sha256": version.sha256,
        "size": version.size,
        "world_version": version.world_version,
        "repository": repo_name,
    }


def _error(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=json.dumps({"error": message}), content_type="application/json")


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _error(web.HTTPBadRequest, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise _error(web.HTTPBadRequest, f"{name} must be between {low} and {high}")
    return value


def _repo(request: web.Request) -> Repository:
    return request.app[_REPO_KEY]


def _plugins(request: web.Request) -> list[PublishedPlugin]:
    try:
        return [p for p in _repo(request).plugins() if p.versions]
    except RepositoryError as exc:
        raise _error(web.HTTPInternalServerError, str(exc)) from exc


def _repo_name(request: web.Request) -> str:
    try:
        return _repo(request).name
    except RepositoryError:
        return ""


async def list_plugins(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip().lower()
    category = request.query.get("category", "").strip().lower()
    kind = request.query.get("type", "").strip().lower()
    page = _int_param(request, "page", 1, 1, 1_000_000)
    limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    name = _repo_name(request)
    downloads = request.app[_DOWNLOADS_KEY]
    found = []
    for plugin in sorted(_plugins(request), key=lambda p: p.name.lower()):
        latest = plugin.latest
        haystack = " ".join([plugin.name, latest.description or plugin.description,
                             *latest.authors]).lower()
        if query and query not in haystack:
            continue
        if category and plugin.category.lower() != category:
            continue
        if kind and kind != "free":
            continue
        found.append(plugin_json(name, plugin, latest, downloads.get(plugin.public_id, 0)))
    start = (page - 1) * limit
    return web.json_response(found[start : start + limit])


def _find(request: web.Request) -> PublishedPlugin:
    key = request.match_info["id"]
    plugin = _repo(request).find(key) if _repo(request).exists else None
    if plugin is None or not plugin.versions:
        raise _error(web.HTTPNotFound, f"no plugin {key!r} in this repository")
    return plugin


async def plugin_details(request: web.Request) -> web.Response:
    plugin = _find(request)
    downloads = request.app[_DOWNLOADS_KEY].get(plugin.public_id, 0)
    body = plugin_json(_repo_name(request), plugin, plugin.latest, downloads)
    body["versions"] = [
        {"id": index + 1, "plugin_id": plugin.id, "version": v.version, "sha256": v.sha256,
         "size": v.size, "permissions": v.permissions, "world_version": v.world_version,
         "created_at": v.created_at, "track": "stable", "release_notes": ""}
        for index, v in sorted(enumerate(plugin.versions),
                               key=lambda iv: version_key(iv[1].version), reverse=True)
    ]
    return web.json_response(body)


async def download(request: web.Request) -> web.StreamResponse:
    plugin = _find(request)
    wanted = request.query.get("version")
    version = plugin.version(wanted)
    if version is None:
        raise _error(web.HTTPNotFound, f"{plugin.name} has no version {wanted!r}")
    path = _repo(request).artifact(version)
    if not path.is_file():
        raise _error(web.HTTPNotFound, f"the artifact of {plugin.name} {version.version} is "
                                       "missing from the repository")
    if "Range" not in request.headers:
        counts = request.app[_DOWNLOADS_KEY]
        counts[plugin.public_id] = counts.get(plugin.public_id, 0) + 1
    return web.FileResponse(path, headers={
        "Content-Type": "application/wasm",
        "Content-Disposition": f'attachment; filename="{plugin.name}.wasm"',
    })


async def check_update(request: web.Request) -> web.Response:
    name = request.query.get("plugin_name", "")
    current = request.query.get("current_version", "")
    if not name or not current:
        raise _error(web.HTTPBadRequest, "plugin_name and current_version are required")
    plugin = next((p for p in _plugins(request) if p.name.lower() == name.lower()), None)
    if plugin is None:
        raise _error(web.HTTPNotFound, f"no plugin {name!r} in this repository")
    latest = plugin.latest.version
    return web.json_response({
        "update_available": version_key(latest) > version_key(current),
        "latest_version": latest, "id": plugin.id, "public_id": plugin.public_id,
    })


async def public_key(request: web.Request) -> web.Response:
    try:
        info = _repo(request).info()
    except RepositoryError as exc:
        raise _error(web.HTTPServiceUnavailable, str(exc)) from exc
    key = str(info["public_key_hex"])
    return web.json_response({"algorithm": "Ed25519", "public_key_hex": key,
                              "fingerprint": fingerprint(key), "repository": info["name"]})


def create_app(repo_dir: Path) -> web.Application:
    """The aiohttp application serving the repository in ``repo_dir``."""
    app = web.Application()
    app[_REPO_KEY] = Repository(repo_dir)
    app[_DOWNLOADS_KEY] = {}
    app.router.add_get(f"{REST}/plugins", list_plugins)
    app.router.add_get(f"{REST}/plugins/{{id}}", plugin_details)
    app.router.add_get(f"{REST}/plugins/{{id}}/download", download)
    app.router.add_get(f"{REST}/check-update", check_update)
    app.router.add_get(f"{REST}/public-key", public_key)
    return app


@dataclass
class RepositoryServer:
    """Serve a repository directory on ``host:port`` (port 0: any free port).

    ``await start()`` returns the base URL; ``await stop()`` closes it.
    """

    repo_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        runner = web.AppRunner(create_app(self.repo_dir), access_log=None,
                               handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise RepositoryError(f"cannot listen on {self.host}:{self.port}: "
                                  f"{exc.strerror or exc}; choose another --port") from exc
        self._runner = runner
        port = runner.addresses[0][1] if runner.addresses else self.port
        self.url = f"http://{self.host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def serve_forever(self) -> None:
        """Start, then wait until cancelled (Ctrl+C in ``market serve``)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()
