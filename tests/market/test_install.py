"""Search, info, install, update, rollback, uninstall through the Marketplace facade.

Real repositories served on 127.0.0.1 by the repository server, real plugin
components (WAT fixtures), a real profile.
"""

from __future__ import annotations

import pytest

from gui.market import InstallError
from gui.market.lockfile import Lockfile
from gui.market.signing import fingerprint, public_key_hex
from tests.market.conftest import decline, defer, grant_all, plugin_wasm, sha


async def never_asked(request):
    raise AssertionError(f"no review expected, got one for {request.plugin}")


def lockfile(lab) -> Lockfile:
    return Lockfile.load(lab.paths.plugins_dir / ".ppm.lock")


def test_search_info_and_install(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0", category="chat")
        await lab.publish("alpha", "stats", "1.0.0", ("fs.read.data", "fs.write.data"))
        await lab.serve("alpha")
        await lab.trust("alpha")
        signer = fingerprint(public_key_hex(lab.keys["alpha"]))

        results = await lab.market.search()
        assert [(r.name, r.source, r.signer) for r in results] == [
            ("hello", "alpha", signer), ("stats", "alpha", signer)]
        assert results.problems == {}
        assert (await lab.market.search("stat"))[0].permissions == ("fs.read.data",
                                                                    "fs.write.data")
        assert [r.name for r in await lab.market.search(category="chat")] == ["hello"]

        details = await lab.market.details(results[1])
        assert [v.version for v in details.versions] == ["1.0.0"]
        assert details.versions[0].permissions == ("fs.read.data", "fs.write.data")

        result = await lab.market.install(results[1], lab.review, lab.progress)
        assert (result.outcome, result.version, result.signature) == ("installed", "1.0.0",
                                                                      "verified")
        assert result.signer == signer
        assert result.granted == {"fs.read.data", "fs.write.data"}
        assert [r.plugin for r in lab.reviews] == ["stats"]
        assert lab.reviews[0].signature == "verified" and lab.reviews[0].signer == signer
        steps = list(dict.fromkeys(lab.steps))
        assert steps == ["resolve", "download", "verify", "inspect", "review", "commit", "load"]
        assert lab.plugin_files() == [".ppm.lock", "stats.wasm"]
        assert lab.downloads() == []
        entry = lockfile(lab).get("stats")
        assert (entry.version, entry.source, entry.signer) == ("1.0.0", "alpha", signer)
        assert entry.sha256 == sha(lab.paths.plugins_dir / "stats.wasm") == result.sha256
        decision = lab.market.grants.decision("stats", result.sha256)
        assert decision.granted == {"fs.read.data", "fs.write.data"}

    run_lab(body)


def test_install_without_an_answer_is_undecided_and_a_decline_installs_nothing(run_lab):
    async def body(lab):
        await lab.publish("alpha", "stats", "1.0.0", ("fs.write.data",))
        await lab.serve("alpha")
        await lab.trust("alpha")
        (listing,) = await lab.market.search("stats")
        declined = await lab.market.install(listing, decline)
        assert declined.outcome == "declined"
        assert lab.plugin_files() == [] and lab.downloads() == []

        result = await lab.market.install(listing, defer)
        assert result.outcome == "installed" and result.granted is None
        assert not lab.market.grants.decision("stats").decided
        assert lab.plugin_files() == [".ppm.lock", "stats.wasm"]

    run_lab(body)


def test_update_same_permissions_is_automatic_and_rollback_is_one_step(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0", ("fs.read.data",))
        await lab.serve("alpha")
        await lab.trust("alpha")
        (listing,) = await lab.market.search("hello")
        v1 = await lab.market.install(listing, grant_all)
        await lab.publish("alpha", "hello", "1.1.0", ("fs.read.data",))
        assert [(u.name, u.latest) for u in await lab.market.check_updates()] == [
            ("hello", "1.1.0")]

        v2 = await lab.market.update("hello", never_asked, lab.progress)
        assert (v2.outcome, v2.version) == ("updated", "1.1.0")
        assert v2.granted == {"fs.read.data"}
        assert lab.market.grants.decision("hello", v2.sha256).granted == {"fs.read.data"}
        entry = lockfile(lab).get("hello")
        assert (entry.version, entry.previous.version) == ("1.1.0", "1.0.0")
        assert sha(lab.paths.data_dir / "market" / "previous" / "hello.wasm") == v1.sha256
        assert (await lab.market.update("hello", never_asked)).outcome == "unchanged"

        back = await lab.market.rollback("hello")
        assert (back.outcome, back.version) == ("rolled-back", "1.0.0")
        assert sha(lab.paths.plugins_dir / "hello.wasm") == v1.sha256
        entry = lockfile(lab).get("hello")
        assert (entry.version, entry.sha256, entry.previous.version) == (
            "1.0.0", v1.sha256, "1.1.0")
        # One step: rolling back again swaps back to the newer version.
        again = await lab.market.rollback("hello")
        assert again.version == "1.1.0"
        assert sha(lab.paths.plugins_dir / "hello.wasm") == v2.sha256
        assert lab.plugin_files() == [".ppm.lock", "hello.wasm"]

    run_lab(body)


def test_update_with_more_permissions_is_held_for_review(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0", ("fs.read.data",))
        await lab.serve("alpha")
        await lab.trust("alpha")
        (listing,) = await lab.market.search("hello")
        v1 = await lab.market.install(listing, grant_all)
        await lab.publish("alpha", "hello", "2.0.0", ("fs.read.data", "sys.env.HOME"))

        held = await lab.market.update("hello", defer)
        assert held.outcome == "held" and "sys.env.HOME" in held.message
        assert sha(lab.paths.plugins_dir / "hello.wasm") == v1.sha256  # old one stays
        assert sha(lab.paths.plugins_dir / ".staged" / "hello.wasm") == held.sha256
        entry = lockfile(lab).get("hello")
        assert (entry.version, entry.held.version) == ("1.0.0", "2.0.0")
        assert entry.held.new_permissions == ("sys.env.HOME",)

        declined = await lab.market.update("hello", decline)
        assert declined.outcome == "declined"
        assert sha(lab.paths.plugins_dir / "hello.wasm") == v1.sha256

        asked = []

        async def review(request):
            asked.append(request)
            return {"fs.read.data"}

        applied = await lab.market.update("hello", review)
        assert applied.outcome == "updated" and applied.granted == {"fs.read.data"}
        assert asked[0].added == ("sys.env.HOME",)
        assert not (lab.paths.plugins_dir / ".staged" / "hello.wasm").exists()
        entry = lockfile(lab).get("hello")
        assert (entry.version, entry.held, entry.previous.version) == ("2.0.0", None, "1.0.0")

    run_lab(body)


def test_uninstall_with_and_without_data(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0")
        await lab.serve("alpha")
        await lab.trust("alpha")
        (listing,) = await lab.market.search("hello")
        data = lab.paths.plugin_data_root / "hello"

        await lab.market.install(listing, grant_all)
        data.mkdir(parents=True)
        (data / "stats.json").write_text("{}")
        await lab.market.uninstall("hello", keep_data=True)
        assert lab.plugin_files() == [".ppm.lock"]
        assert lockfile(lab).get("hello") is None
        assert (data / "stats.json").exists()

        await lab.market.install(listing, grant_all)
        store = lab.paths.plugin_store_file("hello")  # its key-value store goes with its data
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text("{}")
        await lab.market.uninstall("hello", keep_data=False)
        assert lab.plugin_files() == [".ppm.lock"]
        assert not data.exists() and not store.exists()
        assert not lab.market.grants.decision("hello").decided
        with pytest.raises(InstallError, match="uninstall failed for hello: no plugin"):
            await lab.market.uninstall("hello")

    run_lab(body)


def test_two_sources_are_searched_together_and_labelled(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0")
        await lab.publish("alpha", "greeter", "1.0.0")
        await lab.publish("beta", "hello", "1.2.0")
        await lab.publish("beta", "dice", "0.3.0")
        for repo in ("alpha", "beta"):
            await lab.serve(repo)
            await lab.trust(repo)
        alpha = fingerprint(public_key_hex(lab.keys["alpha"]))
        beta = fingerprint(public_key_hex(lab.keys["beta"]))
        assert alpha != beta

        results = await lab.market.search()
        assert [(r.name, r.version, r.source, r.signer) for r in results] == [
            ("dice", "0.3.0", "beta", beta),
            ("greeter", "1.0.0", "alpha", alpha),
            ("hello", "1.0.0", "alpha", alpha),
            ("hello", "1.2.0", "beta", beta),
        ]
        with pytest.raises(InstallError, match="several sources offer it"):
            await lab.market.find("hello")
        chosen = await lab.market.find("hello", source="beta")
        result = await lab.market.install(chosen, grant_all)
        assert (result.version, result.source, result.signer) == ("1.2.0", "beta", beta)
        by_id = await lab.market.find((await lab.market.search("dice"))[0].id)
        assert by_id.source == "beta"

    run_lab(body)


def test_sideloading_needs_a_trusted_signature_or_an_explicit_choice(run_lab, tmp_path):
    async def body(lab):
        unsigned = plugin_wasm("loose", "1.0.0")
        with pytest.raises(InstallError, match=r"verify failed for loose: the file is "
                                               r"unsigned .*--allow-unsigned"):
            await lab.market.install_file(unsigned, grant_all)
        assert lab.plugin_files() == [] and lab.downloads() == []
        result = await lab.market.install_file(unsigned, grant_all, allow_unsigned=True)
        assert (result.outcome, result.signature, result.signer) == ("installed", "unsigned",
                                                                     None)
        # A file published by a trusted source verifies without any choice.
        await lab.publish("alpha", "hello", "1.0.0")
        await lab.serve("alpha")
        await lab.trust("alpha")
        version = lab.repo("alpha").find("hello").latest
        signed = lab.repo("alpha").artifact(version)
        verified = await lab.market.install_file(signed, grant_all)
        assert (verified.signature, verified.signer) == (
            "verified", fingerprint(public_key_hex(lab.keys["alpha"])))
        assert lockfile(lab).get("hello").signature == "verified"

    run_lab(body)


def test_sources_add_confirm_and_remove(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0")
        url = await lab.serve("alpha")
        candidate = await lab.market.add_source(url)
        assert not candidate.added
        assert candidate.fingerprint == fingerprint(public_key_hex(lab.keys["alpha"]))
        assert [s.name for s in lab.market.sources()] == ["samples"]
        added = await lab.market.add_source(url, candidate.public_key_hex)
        assert added.added and added.name == "alpha"
        assert [s.name for s in lab.market.sources()] == ["samples", "alpha"]
        from gui.market import SourceConfigError

        with pytest.raises(SourceConfigError, match="not the expected"):
            await lab.market.add_source(url, "11" * 32, name="other")
        with pytest.raises(SourceConfigError, match="built-in"):
            lab.market.remove_source("samples")
        lab.market.remove_source("alpha")
        assert [s.name for s in lab.market.sources()] == ["samples"]

    run_lab(body)


def test_a_declined_plugin_is_asked_again_not_silently_approved(run_lab):
    async def body(lab):
        await lab.publish("alpha", "hello", "1.0.0")
        await lab.serve("alpha")
        await lab.trust("alpha")
        (listing,) = await lab.market.search("hello")
        first = await lab.market.install(listing, grant_all)
        lab.market.grants.decline("hello", first.sha256, [])
        await lab.publish("alpha", "hello", "1.1.0")
        held = await lab.market.update("hello", defer)
        assert held.outcome == "held"  # asked, not approved behind the admin's back
        assert lab.market.grants.decision("hello").state == "declined"

    run_lab(body)
