"""REST client for one source: timeouts, size caps, strict JSON validation, downloads.

Every answer is checked before use: JSON bodies are capped in size, must
parse, and must have the documented shape (see :mod:`gui.market.server`);
anything else raises :class:`SourceError` naming the source and the route.
Downloads stream into a temp file, refuse more bytes than announced or
than the cap, treat silence longer than ``read_timeout`` as a stall, and
resume with a Range request (or restart when the server ignores Range)
after a dropped connection or a stall, ``download_attempts`` times in all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from gui.errors import PumpkinPatchError
from gui.market.models import Listing, PluginDetails, VersionInfo
from gui.market.signing import SigningKeyError, normalize_key_hex
from gui.market.sources import REST_PREFIX

Progress = Callable[[str, int, "int | None"], None]
MiB = 1 << 20


@dataclass(frozen=True)
class ClientLimits:
    """Timeouts (seconds) and size caps (bytes) for talking to sources."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # silence longer than this is a stall
    request_timeout: float = 60.0  # whole JSON request
    json_max_bytes: int = 8 * MiB
    download_cap: int = 256 * MiB
    download_attempts: int = 3


class SourceError(PumpkinPatchError):
    """A source did not answer as a repository should; the message names it and the route."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source!r}: {message}")
        self.source = source
        self.reason = message


class DownloadError(SourceError):
    """A download failed or was refused (too big, stalled, cut short)."""


# -- validation helpers ------------------------------------------------------------------
def _str(item: dict[str, Any], key: str, where: str, *, required: bool = False,
         default: str = "") -> str:
    value = item.get(key)
    if value is None:
        if required:
            raise ValueError(f"{where} has no {key!r}")
        return default
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key!r} is {type(value).__name__}, not a string")
    return value


def _str_list(item: dict[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: {key!r} is not a list of strings")
    return tuple(value)


def _int(item: dict[str, Any], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: {key!r} is not a non-negative integer")
    return value


def _sha(item: dict[str, Any], key: str, where: str) -> str | None:
    value = _str(item, key, where) or None
    if value is not None:
        value = value.lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError(f"{where}: {key!r} is not a sha256 hex digest")
    return value


def parse_listing(item: Any, *, source: str, signer: str) -> Listing:
    """Validate one plugin object of the list or details route.

    Raises:
        ValueError: the object does not have the documented shape.
    """
    if not isinstance(item, dict):
        raise ValueError("a plugin entry is not a JSON object")
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str):
        raise ValueError("a plugin entry has no integer or string 'id'")
    name = _str(item, "name", "a plugin entry", required=True)
    where = f"plugin {name!r}"
    public_id = _str(item, "public_id", where) or str(raw_id)
    return Listing(
        id=public_id, name=name, version=_str(item, "version", where, default="?") or "?",
        source=source, signer=signer,
        numeric_id=raw_id if isinstance(raw_id, int) else None,
        category=_str(item, "category", where), type=_str(item, "type", where, default="free"),
        description=_str(item, "description", where),
        authors=_str_list(item, "authors", where) or (), dev_name=_str(item, "dev_name", where),
        permissions=_str_list(item, "permissions", where), sha256=_sha(item, "sha256", where),
        size=_int(item, "size", where), world_version=_str(item, "world_version", where) or None,
        repository=_str(item, "repository", where), downloads=_int(item, "downloads", where) or 0,
        created_at=_str(item, "created_at", where), updated_at=_str(item, "updated_at", where),
    )


def parse_version(item: Any, where: str) -> VersionInfo:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: a version entry is not a JSON object")
    version = _str(item, "version", where, required=True)
    return VersionInfo(
        version=version, sha256=_sha(item, "sha256", where), size=_int(item, "size", where),
        permissions=_str_list(item, "permissions", where),
        world_version=_str(item, "world_version", where) or None,
        created_at=_str(item, "created_at", where))


class RepositoryClient:
    """Talks to one source (``base_url``) with a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, *, source: str,
                 signer: str = "", limits: ClientLimits | None = None) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.source = source
        self.signer = signer
        self.limits = limits or ClientLimits()

    def _url(self, route: str) -> str:
        return f"{self.base_url}{REST_PREFIX}{route}"

    def _timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.limits.request_timeout,
                                     sock_connect=self.limits.connect_timeout,
                                     sock_read=self.limits.read_timeout)

    async def _get_json(self, route: str, params: dict[str, str] | None = None) -> Any:
        url = self._url(route)
        try:
            async with self.session.get(url, params=params, timeout=self._timeout(),
                                        allow_redirects=False) as resp:
                if resp.status == 404:
                    raise SourceError(self.source, f"{route}: not found (404)")
                if resp.status != 200:
                    raise SourceError(self.source, f"{route} answered HTTP {resp.status}")
                length = resp.content_length
                if length is not None and length > self.limits.json_max_bytes:
                    raise SourceError(self.source, f"{route} sent {length} bytes of JSON, over "
                                                   f"the {self.limits.json_max_bytes} cap")
                body = bytearray()
                async for chunk in resp.content.iter_chunked(1 << 16):
                    body += chunk
                    if len(body) > self.limits.json_max_bytes:
                        break
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise SourceError(self.source, f"cannot reach {url}: {_describe(exc)}") from exc
        if len(body) > self.limits.json_max_bytes:
            raise SourceError(self.source, f"{route} sent more than "
                                           f"{self.limits.json_max_bytes} bytes of JSON")
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceError(self.source, f"{route} did not answer valid JSON ({exc}); the "
                                           "repository is broken or not a plugin "
                                           "repository") from exc

    async def public_key(self) -> tuple[str, str]:
        """The key the source announces now, and its repository name (may be "")."""
        data = await self._get_json("/public-key")
        if isinstance(data, str):
            key, name = data, ""
        elif isinstance(data, dict):
            key = data.get("public_key_hex") or data.get("public_key") or data.get("key")
            name = data.get("repository") if isinstance(data.get("repository"), str) else ""
        else:
            key, name = None, ""
        if not isinstance(key, str):
            raise SourceError(self.source, "/public-key did not answer an Ed25519 public key")
        try:
            return normalize_key_hex(key), name or ""
        except SigningKeyError as exc:
            raise SourceError(self.source, f"/public-key: {exc}") from exc

    async def list_plugins(self, q: str = "", *, category: str | None = None,
                           type: str | None = None, page: int | None = None,
                           limit: int | None = None) -> list[Listing]:
        """Search the source (Pumpkin's list route)."""
        params = {"q": q}
        for key, value in (("category", category), ("type", type), ("page", page),
                           ("limit", limit)):
            if value is not None:
                params[key] = str(value)
        data = await self._get_json("/plugins", params)
        if isinstance(data, dict):  # some services wrap the array
            data = next((data[k] for k in ("plugins", "items", "data") if k in data), data)
        if not isinstance(data, list):
            raise SourceError(self.source, "/plugins did not answer a JSON array of plugins")
        try:
            return [parse_listing(item, source=self.source, signer=self.signer) for item in data]
        except ValueError as exc:
            raise SourceError(self.source, f"/plugins: {exc}") from exc

    async def details(self, plugin_id: str) -> PluginDetails:
        """One plugin with its versions."""
        data = await self._get_json(f"/plugins/{_quote(plugin_id)}")
        try:
            listing = parse_listing(data, source=self.source, signer=self.signer)
            raw_versions = data.get("versions") or []
            if not isinstance(raw_versions, list):
                raise ValueError(f"plugin {listing.name!r}: 'versions' is not a list")
            versions = tuple(parse_version(v, f"plugin {listing.name!r}") for v in raw_versions)
        except ValueError as exc:
            raise SourceError(self.source, f"/plugins/{plugin_id}: {exc}") from exc
        if not versions:  # a plain Pumpkin service: the latest version only
            versions = (VersionInfo(listing.version, listing.sha256, listing.size,
                                    listing.permissions, listing.world_version),)
        return PluginDetails(listing, versions)

    async def check_update(self, name: str, current_version: str) -> tuple[bool, str | None]:
        """``(update_available, latest_version)``."""
        data = await self._get_json("/check-update", {"plugin_name": name,
                                                      "current_version": current_version})
        if not isinstance(data, dict) or not isinstance(data.get("update_available"), bool):
            raise SourceError(self.source, "/check-update did not answer {update_available}")
        latest = data.get("latest_version")
        return data["update_available"], latest if isinstance(latest, str) else None

    async def download(self, plugin_id: str, dest: Path, *, version: str | None = None,
                       expected_size: int | None = None,
                       progress: Progress | None = None) -> int:
        """Stream the artifact into ``dest`` (created or truncated); returns its size.

        Raises:
            DownloadError: refused (bigger than announced or than the cap),
                stalled or cut off on every attempt, or an HTTP error.
        """
        cap = self.limits.download_cap
        if expected_size is not None and expected_size > cap:
            raise DownloadError(self.source, f"the listing announces {expected_size:,} bytes, "
                                             f"over the download cap of {cap:,} bytes")
        url = self._url(f"/plugins/{_quote(plugin_id)}/download")
        params = {"version": version} if version else None
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.limits.connect_timeout,
                                        sock_read=self.limits.read_timeout)
        received = 0
        problem = ""
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("wb") as out:
            for _attempt in range(self.limits.download_attempts):
                headers = {"Range": f"bytes={received}-"} if received else {}
                try:
                    async with self.session.get(url, params=params, headers=headers,
                                                timeout=timeout, allow_redirects=False) as resp:
                        if resp.status == 206 and received:
                            pass  # resumed
                        elif resp.status == 200:
                            received = 0  # no Range support: start over
                            out.seek(0)
                            out.truncate()
                        elif resp.status == 404:
                            raise DownloadError(self.source, f"{plugin_id} has no download "
                                                             "(404)")
                        else:
                            raise DownloadError(self.source, f"the download of {plugin_id} "
                                                             f"answered HTTP {resp.status}")
                        total = expected_size
                        if resp.content_length is not None:
                            announced = received + resp.content_length
                            _check_size(self.source, announced, expected_size, cap,
                                        "the server announces")
                            total = total or announced
                        async for chunk in resp.content.iter_chunked(1 << 16):
                            received += len(chunk)
                            _check_size(self.source, received, expected_size, cap,
                                        "the server sent")
                            out.write(chunk)
                            if progress is not None:
                                progress("download", received, total)
                        if expected_size is not None and received < expected_size:
                            problem = (f"the connection closed after {received:,} of "
                                       f"{expected_size:,} bytes")
                            continue
                        out.flush()
                        return received
                except TimeoutError:
                    problem = (f"the download stalled: no data for "
                               f"{self.limits.read_timeout:g} s after {received:,} bytes")
                except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
                    problem = f"the connection broke after {received:,} bytes ({_describe(exc)})"
        raise DownloadError(self.source, f"{problem} ({self.limits.download_attempts} attempts); "
                                         "try again later or ask the repository's owner")


def _check_size(source: str, size: int, expected: int | None, cap: int, what: str) -> None:
    if expected is not None and size > expected:
        raise DownloadError(source, f"{what} {size:,} bytes or more, but the listing announced "
                                    f"{expected:,}; download refused")
    if size > cap:
        raise DownloadError(source, f"{what} over {cap:,} bytes, the download cap; download "
                                    "refused")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
