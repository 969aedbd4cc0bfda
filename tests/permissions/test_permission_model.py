"""The permission model without a server: catalogue, policy, settings, grants, review."""

from __future__ import annotations

import json
import os

import pytest

from gui.paths import AppPaths
from gui.permissions import (
    CATALOGUE,
    DecisionState,
    GrantError,
    GrantStore,
    PermissionPolicy,
    Risk,
    build_review,
    describe,
)
from gui.permissions.gate import sandbox_for
from gui.plugins import PluginMetadata
from gui.settings import AppSettings, PluginOverride

CATALOGUE_NAMES = [
    "network.dns", "network.tcp", "network.udp", "network.tcp.connect", "network.tcp.bind",
    "network.udp.connect", "network.udp.bind", "network.udp.outgoingdatagram",
    "network.loopback", "network.outbound", "http.outbound", "fs.read", "fs.write",
    "fs.read.data", "fs.write.data", "sys.env", "sys.info", "sys.info.cpu", "sys.info.ram",
    "sys.info.os", "storage.kv", "admin.notify",
]
ENFORCEABLE = {"fs.read.data", "fs.write.data", "sys.env", "sys.info", "sys.info.cpu",
               "sys.info.ram", "sys.info.os", "http.outbound", "storage.kv", "admin.notify"}


# -- catalogue -----------------------------------------------------------------------
def test_catalogue_has_every_pumpkin_name_with_one_line_and_a_risk():
    assert set(CATALOGUE) == set(CATALOGUE_NAMES)
    for name in CATALOGUE_NAMES:
        cap = describe(name)
        assert cap.name == name
        assert cap.description and "\n" not in cap.description
        assert cap.risk in (Risk.LOW, Risk.MEDIUM, Risk.HIGH)
        assert cap.enforceable is (name in ENFORCEABLE), name
        assert bool(cap.reason) is not cap.enforceable, name


def test_catalogue_says_plainly_what_this_host_cannot_enforce():
    assert "cannot enforce network" in describe("network.outbound").reason
    assert "never grants" in describe("network.tcp.bind").reason
    assert "to the hosts you list" in describe("http.outbound").description
    assert "whole host filesystem" in describe("fs.read").reason
    assert describe("fs.write").risk is Risk.HIGH


def test_env_variables_and_unknown_names():
    motd = describe("sys.env.SERVER_MOTD")
    assert (motd.risk, motd.enforceable) == (Risk.LOW, True)
    assert "SERVER_MOTD" in motd.description
    token = describe("sys.env.API_TOKEN")
    assert token.risk is Risk.HIGH and "secret" in token.description
    for unknown in ("made.up", "sys.env.", "sys.env.NOT-A-NAME", ""):
        cap = describe(unknown)
        assert (cap.risk, cap.enforceable) == (Risk.UNKNOWN, False)
        assert cap.reason == "unknown permission: never granted"
    assert [r.value for r in Risk] == ["low", "medium", "high", "unknown"]


# -- policy ----------------------------------------------------------------------------
def test_blocked_wins_over_allowed_and_over_a_grant():
    policy = PermissionPolicy(allowed=frozenset({"sys.info", "fs.*"}),
                              blocked=frozenset({"fs.write.data", "network.*"}))
    requested = ["sys.info", "fs.read.data", "fs.write.data", "sys.env.X", "network.dns"]
    assert policy.effective("p", requested, []) == {"sys.info", "fs.read.data"}
    assert policy.effective("p", requested, ["fs.write.data", "sys.env.X"]) == {
        "sys.info", "fs.read.data", "sys.env.X"}
    assert policy.effective("p", ["sys.env.X"], ["sys.env.Y"]) == frozenset()
    assert "blocked by your policy" in policy.refusal("p", "fs.write.data")
    assert policy.needs_decision("p", requested) == {"sys.env.X"}


def test_per_plugin_overrides_add_to_the_global_lists():
    policy = PermissionPolicy(overrides={"a": PluginOverride(
        allowed_permissions=("sys.env",), blocked_permissions=("sys.info.os",),
        ask_permission_confirmation=False)})
    assert policy.is_allowed("a", "sys.env") and not policy.is_allowed("b", "sys.env")
    assert policy.is_blocked("a", "sys.info.os") and not policy.is_blocked("b", "sys.info.os")
    assert not policy.asks("a") and policy.asks("b")
    assert policy.without_asking("a", ["sys.info.os", "fs.read.data", "network.outbound"]) == {
        "fs.read.data"}


def test_environment_is_only_the_admins_configured_values(monkeypatch):
    monkeypatch.setenv("HOME_SECRET", "app value")
    monkeypatch.setenv("SERVER_MOTD", "app motd")
    policy = PermissionPolicy(overrides={"p": PluginOverride(
        environment={"SERVER_MOTD": "configured", "OTHER": "x"})})
    assert policy.environment("p", []) == {}
    assert policy.environment("p", ["sys.env.SERVER_MOTD"]) == {"SERVER_MOTD": "configured"}
    assert policy.environment("p", ["sys.env.HOME_SECRET"]) == {}
    assert policy.environment("p", ["sys.env"]) == {"SERVER_MOTD": "configured", "OTHER": "x"}
    assert policy.environment("q", ["sys.env", "sys.env.SERVER_MOTD"]) == {}
    inherit = PermissionPolicy(inherit_env=True)
    assert inherit.environment("q", ["sys.env.SERVER_MOTD"]) == {"SERVER_MOTD": "app motd"}
    assert inherit.environment("q", ["sys.env"]) == {}  # never the whole app environment
    assert os.environ["HOME_SECRET"] == "app value"


def test_sandbox_backs_only_the_grants(tmp_path):
    paths = AppPaths.under(tmp_path)
    policy = PermissionPolicy()
    assert sandbox_for("p", frozenset(), policy, paths).preopens == ()
    ro = sandbox_for("p", frozenset({"fs.read.data"}), policy, paths).preopens
    assert [(p.host_path, p.guest_path, p.writable) for p in ro] == [
        (paths.plugin_data_root / "p", "data", False)]
    rw = sandbox_for("p", frozenset({"fs.read.data", "fs.write.data"}), policy, paths)
    assert [p.writable for p in rw.preopens] == [True]
    assert rw.env == {}


# -- settings --------------------------------------------------------------------------
def test_settings_defaults_and_values(tmp_path):
    missing = AppSettings.load(tmp_path / "config.toml")
    p = missing.plugins
    assert (p.ask_permission_confirmation, p.allow_unsigned, p.max_memory_mb,
            p.load_deadline_ms, p.call_deadline_ms) == (True, False, 256, 5000, 200)
    path = tmp_path / "config.toml"
    path.write_text('[plugins]\nallowed_permissions = ["sys.info"]\n'
                    'blocked_permissions = ["network.*"]\nask_permission_confirmation = false\n'
                    'allow_unsigned = true\nmax_memory_mb = 64\ncall_deadline_ms = 50\n'
                    '[plugins.overrides.motd_env]\nenvironment = { SERVER_MOTD = "hi" }\n'
                    '[market]\nsources = ["x"]\n')
    settings = AppSettings.load(path)
    p = settings.plugins
    assert p.allowed_permissions == ("sys.info",) and p.blocked_permissions == ("network.*",)
    assert (p.ask_permission_confirmation, p.allow_unsigned, p.max_memory_mb,
            p.call_deadline_ms) == (False, True, 64, 50)
    assert dict(p.override("motd_env").environment) == {"SERVER_MOTD": "hi"}
    assert settings.problems == ()


def test_wrong_values_are_reported_by_file_and_key_and_defaulted(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[plugins]\nmax_memory_mb = "lots"\nallowed_permissions = "sys.info"\n'
                    '[plugins.overrides.x]\nenvironment = { A = 1 }\n')
    warnings: list[str] = []
    p = AppSettings.load(path, warn=warnings.append).plugins
    assert p.max_memory_mb == 256 and p.allowed_permissions == ()
    assert len(warnings) == 3
    assert all(str(path) in w for w in warnings)
    assert any("[plugins] max_memory_mb should be a whole number" in w for w in warnings)
    assert any("overrides.x.environment" in w for w in warnings)


def test_corrupt_settings_are_tolerated_and_never_silently_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[plugins\nthis is not toml")
    warnings: list[str] = []
    settings = AppSettings.load(path, warn=warnings.append)
    assert settings.corrupt and settings.plugins.max_memory_mb == 256
    assert len(warnings) == 1 and str(path) in warnings[0] and "not valid TOML" in warnings[0]
    assert path.read_text() == "[plugins\nthis is not toml"
    settings.with_plugins(max_memory_mb=128).save(warn=warnings.append)
    kept = list(tmp_path.glob("config.toml.broken-*"))
    assert [k.read_text() for k in kept] == ["[plugins\nthis is not toml"]
    assert "was damaged; it was kept as" in warnings[-1]
    assert AppSettings.load(path).plugins.max_memory_mb == 128


def test_save_keeps_other_sections_and_round_trips(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# comment\n[market]\nsources = ["x"]\n[plugins]\nfuture_key = 1\n')
    settings = AppSettings.load(path).with_plugins(
        blocked_permissions=("sys.env",),
        overrides={"m": PluginOverride(environment={"A": "b"})})
    settings.save()
    again = AppSettings.load(path)
    assert again.plugins.blocked_permissions == ("sys.env",)
    assert dict(again.plugins.override("m").environment) == {"A": "b"}
    text = path.read_text()
    assert 'sources = [' in text and "future_key = 1" in text
    assert not list(tmp_path.glob(".config.toml.*"))  # no temporary left behind


# -- grants ------------------------------------------------------------------------------
def test_grant_store_records_per_plugin_and_sha(tmp_path):
    store = GrantStore(tmp_path / "grants.json")
    assert store.decision("p").state is DecisionState.UNDECIDED
    approved = store.approve("p", "aa", ["fs.read.data", "fs.write.data", "network.dns", "x"],
                             ["fs.read.data", "network.dns", "not.requested"])
    assert approved.granted == {"fs.read.data"}  # requested and grantable only
    assert store.decision("p", "aa") == approved
    assert store.decision("p", "bb").state is DecisionState.UNDECIDED
    assert store.grant("p", "fs.write.data").granted == {"fs.read.data", "fs.write.data"}
    assert store.revoke("p", "fs.read.data").granted == {"fs.write.data"}
    with pytest.raises(GrantError, match=r"p does not request sys\.info"):
        store.grant("p", "sys.info")
    with pytest.raises(GrantError, match=r"cannot grant network\.dns to p: this host cannot"):
        store.grant("p", "network.dns")
    # Another process's store sees the same file.
    other = GrantStore(tmp_path / "grants.json")
    assert other.decision("p").granted == {"fs.write.data"}
    other.decline("p", "aa", ["fs.read.data"])
    assert store.decision("p").state is DecisionState.DECLINED
    with pytest.raises(GrantError, match="cannot grant permissions of p: it is declined; "
                                         "approve it first"):
        store.grant("p", "fs.read.data")
    store.forget("p")
    assert other.decision("p").state is DecisionState.UNDECIDED
    data = json.loads((tmp_path / "grants.json").read_text())
    assert data == {"version": 1, "plugins": {}}


def test_damaged_grants_file_is_undecided_reported_once_and_kept(tmp_path):
    path = tmp_path / "grants.json"
    GrantStore(path).approve("p", "aa", ["fs.read.data"], ["fs.read.data"])
    path.write_text('{"version": 1, "plugins": {"p": {"state": "approved"')
    warnings: list[str] = []
    store = GrantStore(path, warn=warnings.append)
    assert store.decision("p").state is DecisionState.UNDECIDED
    assert store.decision("p").state is DecisionState.UNDECIDED
    assert store.damaged and len(warnings) == 1 and str(path) in warnings[0]
    store.approve("q", "bb", [], [])
    assert not store.damaged
    assert len(list(tmp_path.glob("grants.json.damaged-*"))) == 1
    assert set(store.all()) == {"q"}


def test_malformed_entry_is_undecided(tmp_path):
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"version": 1, "plugins": {
        "p": {"state": "approved", "sha256": "aa", "requested": "fs.read.data"},
        "q": {"state": "maybe"}}}))
    store = GrantStore(path)
    assert store.decision("p").state is DecisionState.UNDECIDED
    assert store.decision("q").state is DecisionState.UNDECIDED
    assert not store.damaged


# -- review ------------------------------------------------------------------------------
def metadata(*permissions: str, version: str = "1.0.0") -> PluginMetadata:
    return PluginMetadata("p", version, ("Ann",), "does things", (), permissions)


def test_first_review_ticks_by_risk_and_disables_what_cannot_be_granted():
    policy = PermissionPolicy(allowed=frozenset({"sys.info.os"}),
                              blocked=frozenset({"sys.env"}))
    review = build_review(metadata("fs.read.data", "fs.write.data", "sys.env.API_KEY",
                                   "network.outbound", "made.up", "sys.env", "sys.info.os",
                                   "fs.read.data"),
                          previous=None, policy=policy, signature="unsigned")
    rows = {r.permission: r for r in review.rows}
    assert list(rows) == ["fs.read.data", "fs.write.data", "sys.env.API_KEY",
                          "network.outbound", "made.up", "sys.env", "sys.info.os"]
    assert (rows["fs.read.data"].initially_checked, rows["fs.read.data"].enabled) == (True, True)
    assert rows["fs.write.data"].initially_checked  # medium: ticked
    assert not rows["sys.env.API_KEY"].initially_checked  # high: unticked
    for name in ("network.outbound", "made.up", "sys.env"):
        assert not rows[name].enabled and not rows[name].initially_checked
        assert rows[name].reason
    assert "blocked by your policy" in rows["sys.env"].reason
    assert (rows["sys.info.os"].initially_checked, rows["sys.info.os"].enabled) == (True, False)
    assert {r.change for r in review.rows} == {""}
    assert review.removed == ()
    assert (review.plugin, review.version, review.authors, review.signature) == (
        "p", "1.0.0", ("Ann",), "unsigned")
    with pytest.raises(ValueError, match="signature must be one of"):
        build_review(metadata(), previous=None, policy=policy, signature="trusted")


def test_update_review_shows_added_and_removed_and_keeps_earlier_choices(tmp_path):
    store = GrantStore(tmp_path / "grants.json")
    previous = store.approve("p", "aa", ["fs.read.data", "fs.write.data", "sys.info"],
                             ["fs.read.data"])
    review = build_review(metadata("fs.read.data", "fs.write.data", "sys.info.cpu",
                                   version="2.0.0"),
                          previous=previous, policy=PermissionPolicy())
    assert [(r.permission, r.change, r.initially_checked) for r in review.rows] == [
        ("fs.read.data", "unchanged", True),
        ("fs.write.data", "unchanged", False),  # the admin said no before
        ("sys.info.cpu", "added", True),
    ]
    assert review.removed == ("sys.info",)
    assert review.added == ("sys.info.cpu",)


# -- host functions ----------------------------------------------------------------------
def test_sys_info_fills_only_granted_fields_and_says_what_is_missing(tmp_path):
    from gui.hostapi.context import ContextApi
    from gui.hostapi.scope import PluginScope
    from gui.hostapi.server import ServerApi

    logged: list[tuple[str, str]] = []
    scope = PluginScope(plugin="p", server=None, loop=None, data_dir=tmp_path,  # type: ignore[arg-type]
                        calls=None, log=lambda level, msg: logged.append((level, msg)))  # type: ignore[arg-type]
    info = ServerApi(scope).get_sys_info(None)
    fields = ("cpu-count", "total-memory", "used-memory", "os-name", "os-version")
    assert [getattr(info, f) for f in fields] == [None] * 5
    ServerApi(scope).get_sys_info(None)
    assert len(logged) == 1  # reported once per set of grants
    assert "without sys.info.cpu, sys.info.ram, sys.info.os" in logged[0][1]
    scope.granted = frozenset({"sys.info.cpu"})
    info = ServerApi(scope).get_sys_info(None)
    assert getattr(info, "cpu-count") == os.cpu_count()
    assert getattr(info, "os-name") is None and getattr(info, "total-memory") is None
    assert "without sys.info.ram, sys.info.os" in logged[-1][1]
    scope.granted = frozenset({"sys.info"})
    info = ServerApi(scope).get_sys_info(None)
    assert getattr(info, "os-name") and getattr(info, "cpu-count")
    count = len(logged)
    scope.granted = frozenset()
    assert ContextApi(scope).get_data_folder(None) == "data"
    assert "holds neither fs.read.data nor fs.write.data" in logged[count][1]


def test_permissions_and_settings_import_without_qt():
    import subprocess
    import sys

    code = ("import sys, gui.permissions, gui.settings, gui.permissions.prompt; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
