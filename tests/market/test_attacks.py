"""Attacks on the install path: each refused with a clear message, nothing left behind."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
from aiohttp import web

from gui.market import ClientLimits, InstallError, Listing
from gui.market.server import create_app
from gui.market.signing import (
    METADATA_SECTION,
    SIGNATURE_SECTION,
    generate_key,
    public_key_hex,
    read_signature,
    sign_wasm,
)
from gui.market.wasm_sections import append_custom_section
from tests.market.conftest import FAST, grant_all, serve_app


def nothing_installed(lab) -> None:
    assert [f for f in lab.plugin_files() if f != ".ppm.lock"] == []
    assert lab.downloads() == []
    lock = lab.paths.plugins_dir / ".ppm.lock"
    assert not lock.exists() or "hello" not in lock.read_text()


def rewrite_index(repo, change) -> None:
    """Edit the published index (as a compromised or broken server would serve it)."""
    index = repo.root / "index.json"
    data = json.loads(index.read_text())
    for plugin in data["plugins"]:
        for version in plugin["versions"]:
            change(plugin, version)
    index.write_text(json.dumps(data))


def replace_artifact(repo, data: bytes, *, fix_index: bool = True) -> None:
    version = repo.find("hello").latest
    repo.artifact(version).write_bytes(data)
    if fix_index:  # a consistent listing: only the signature can catch it
        def change(plugin, v):
            v["sha256"] = hashlib.sha256(data).hexdigest()
            v["size"] = len(data)
        rewrite_index(repo, change)


async def published(lab, *, limits: ClientLimits = FAST):
    await lab.publish("alpha", "hello", "1.0.0")
    await lab.serve("alpha")
    await lab.trust("alpha")
    repo = lab.repo("alpha")
    return repo, repo.artifact(repo.find("hello").latest).read_bytes()


async def install_fails(lab, match: str, step: str) -> InstallError:
    (listing,) = await lab.market.search("hello")
    with pytest.raises(InstallError, match=match) as caught:
        await lab.market.install(listing, grant_all)
    assert caught.value.step == step
    assert caught.value.source == "alpha"
    nothing_installed(lab)
    return caught.value


def test_bytes_changed_after_signing(run_lab):
    async def body(lab):
        repo, signed = await published(lab)
        tampered = bytearray(signed)
        tampered[200] ^= 0x01
        replace_artifact(repo, bytes(tampered))
        await install_fails(lab, "verify failed for hello from source 'alpha': the signature "
                                 "does not match", "verify")

    run_lab(body)


def test_signature_by_another_key(run_lab):
    async def body(lab):
        repo, signed = await published(lab)
        parts = read_signature(signed)
        other = sign_wasm(parts.unsigned, generate_key(), parts.metadata)
        # The envelope claims the pinned key; the signature is someone else's.
        envelope = read_signature(other).envelope
        forged_envelope = envelope.__class__(public_key_hex(lab.keys["alpha"]),
                                             envelope.signature_hex)
        forged = append_custom_section(
            append_custom_section(parts.unsigned, METADATA_SECTION, parts.metadata_bytes),
            SIGNATURE_SECTION, forged_envelope.to_json())
        replace_artifact(repo, forged)
        await install_fails(lab, "signed by another key", "verify")

    run_lab(body)


def test_self_signed_artifact_carrying_its_own_key(run_lab):
    async def body(lab):
        repo, signed = await published(lab)
        parts = read_signature(signed)
        self_signed = sign_wasm(parts.unsigned, generate_key(), parts.metadata)
        replace_artifact(repo, self_signed)
        error = await install_fails(lab, "vouches for itself", "verify")
        assert "not with ed25519:" in str(error)

    run_lab(body)


def test_listing_sha256_that_does_not_match(run_lab):
    async def body(lab):
        repo, _ = await published(lab)
        rewrite_index(repo, lambda p, v: v.update(sha256="0" * 64))
        await install_fails(lab, "does not match 0000", "verify")

    run_lab(body)


def test_download_larger_than_announced(run_lab):
    async def body(lab):
        repo, signed = await published(lab)
        rewrite_index(repo, lambda p, v: v.update(size=len(signed) // 2))
        await install_fails(lab, "download failed .* but the listing announced", "download")

    run_lab(body)


def test_download_larger_than_the_cap(run_lab):
    async def body(lab):
        await published(lab)
        lab.market.limits = ClientLimits(download_cap=4096, read_timeout=0.5)
        await install_fails(lab, "over the download cap of 4,096 bytes", "download")

    run_lab(body)


def test_server_that_stalls_mid_download(run_lab):
    async def body(lab):
        repo, signed = await published(lab)
        release = asyncio.Event()

        @web.middleware
        async def stall(request, handler):
            if not request.path.endswith("/download"):
                return await handler(request)
            response = web.StreamResponse(headers={"Content-Length": str(len(signed))})
            await response.prepare(request)
            await response.write(signed[: len(signed) // 2])
            await asyncio.wait_for(release.wait(), 30)  # stalls until the test ends
            return response

        app = create_app(repo.root)
        app.middlewares.append(stall)
        runner, url = await serve_app(app)
        try:
            lab.market.remove_source("alpha")
            await lab.market.add_source(url, public_key_hex(lab.keys["alpha"]), name="alpha")
            started = asyncio.get_running_loop().time()
            await install_fails(lab, r"download failed .* stalled: no data for 0.5 s", "download")
            assert asyncio.get_running_loop().time() - started < 10
        finally:
            release.set()
            await runner.cleanup()

    run_lab(body)


def test_plugin_name_with_path_separators(run_lab):
    async def body(lab):
        repo, _ = await published(lab)
        rewrite_index(repo, lambda p, v: p.update(name="../../evil"))
        results = await lab.market.search()
        assert list(results) == []
        assert "contains a path separator" in results.problems["alpha"]
        for name in ("../../evil", "a/b", "..", "x\\y"):
            listing = Listing(id="hello-x", name=name, version="1.0.0", source="alpha",
                              signer="")
            with pytest.raises(InstallError, match="resolve failed") as caught:
                await lab.market.install(listing, grant_all)
            assert "path separator" in str(caught.value) or "'..'" in str(caught.value)
        with pytest.raises(InstallError, match="resolve failed"):
            await lab.market.find("../../evil")
        nothing_installed(lab)
        assert not (lab.paths.data_dir.parent / "evil.wasm").exists()

    run_lab(body)


def test_listing_with_malformed_json(run_lab):
    async def body(lab):
        repo, _ = await published(lab)

        @web.middleware
        async def broken(request, handler):
            if request.path.endswith("/plugins") or "/plugins/" in request.path:
                return web.Response(text='[{"id": 1, "name": "hello", ',
                                    content_type="application/json")
            return await handler(request)

        app = create_app(repo.root)
        app.middlewares.append(broken)
        runner, url = await serve_app(app)
        try:
            lab.market.remove_source("alpha")
            await lab.market.add_source(url, public_key_hex(lab.keys["alpha"]), name="alpha")
            results = await lab.market.search()
            assert list(results) == []
            assert "did not answer valid JSON" in results.problems["alpha"]
            with pytest.raises(InstallError, match="resolve failed for hello"):
                await lab.market.find("hello")
            listing = Listing(id="hello-x", name="hello", version="1.0.0", source="alpha",
                              signer="")
            with pytest.raises(InstallError, match=r"resolve failed .* valid JSON"):
                await lab.market.install(listing, grant_all)
            nothing_installed(lab)
        finally:
            await runner.cleanup()

    run_lab(body)


def test_listing_with_wrong_types(run_lab):
    async def body(lab):
        repo, _ = await published(lab)
        rewrite_index(repo, lambda p, v: v.update(permissions="fs.write.data"))
        results = await lab.market.search()
        assert "'permissions' is not a list of strings" in results.problems["alpha"]

    run_lab(body)


def test_source_whose_public_key_changed_since_pinned(run_lab):
    async def body(lab):
        repo, _ = await published(lab)
        (listing,) = await lab.market.search("hello")
        info = json.loads((repo.root / "repository.json").read_text())
        info["public_key_hex"] = public_key_hex(generate_key())
        (repo.root / "repository.json").write_text(json.dumps(info))
        results = await lab.market.search()
        assert list(results) == []
        assert "now announces key" in results.problems["alpha"]
        with pytest.raises(InstallError, match=r"resolve failed .* was pinned to") as caught:
            await lab.market.install(listing, grant_all)
        assert "remove-source alpha" in str(caught.value)
        nothing_installed(lab)

    run_lab(body)


def test_replayed_old_version_is_refused(run_lab):
    async def body(lab):
        repo, _ = await published(lab)
        old = repo.artifact(repo.find("hello").latest).read_bytes()
        await lab.publish("alpha", "hello", "1.1.0")
        # The server hands out the (validly signed) 1.0.0 bytes as 1.1.0.
        version = repo.find("hello").version("1.1.0")
        repo.artifact(version).write_bytes(old)
        rewrite_index(repo, lambda p, v: v.update(sha256=hashlib.sha256(old).hexdigest(),
                                                  size=len(old))
                      if v["version"] == "1.1.0" else None)
        await install_fails(lab, "signature is for version '1.0.0', not '1.1.0'", "verify")

    run_lab(body)


def test_download_resumes_after_a_dropped_connection(run_lab):
    async def body(lab):
        repo, signed = await published(lab)
        ranges = []

        @web.middleware
        async def drop_once(request, handler):
            if not request.path.endswith("/download"):
                return await handler(request)
            ranges.append(request.headers.get("Range"))
            if len(ranges) > 1:
                return await handler(request)  # FileResponse answers the Range with 206
            response = web.StreamResponse(headers={"Content-Length": str(len(signed))})
            await response.prepare(request)
            await response.write(signed[:1000])
            request.transport.close()
            return response

        app = create_app(repo.root)
        app.middlewares.append(drop_once)
        runner, url = await serve_app(app)
        try:
            lab.market.remove_source("alpha")
            await lab.market.add_source(url, public_key_hex(lab.keys["alpha"]), name="alpha")
            (listing,) = await lab.market.search("hello")
            result = await lab.market.install(listing, grant_all)
            assert result.outcome == "installed"
            assert ranges == [None, "bytes=1000-"]
            assert lab.downloads() == []
        finally:
            await runner.cleanup()

    run_lab(body)


def test_marketplace_imports_without_qt():
    import subprocess
    import sys

    code = ("import sys, gui.market, gui.cli.market; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
