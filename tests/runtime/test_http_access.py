"""Which outgoing HTTP requests a plugin may make (HttpAccess, the host-list rule)."""

from __future__ import annotations

import pytest

from gui.host_list import entry_problem, parse_authority
from gui.runtime.http_gate import HttpAccess


@pytest.mark.parametrize(("authority", "parsed"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("Example.ORG", ("example.org", None)),
    ("user:pw@example.org:443", ("example.org", 443)),
    ("[::1]:9000", ("::1", 9000)),
    ("[::1]", ("::1", None)),
    ("host:notaport", ("host", None)),
])
def test_authorities_parse_into_host_and_port(authority, parsed):
    assert parse_authority(authority) == parsed


def test_without_the_grant_nothing_goes_out():
    access = HttpAccess(granted=False, hosts=frozenset({"127.0.0.1"}))
    assert "lacks the http.outbound permission" in access.refusal("127.0.0.1:80")


def test_granted_with_no_hosts_reaches_nothing():
    assert "no hosts are listed" in HttpAccess(granted=True).refusal("127.0.0.1:80")


def test_a_host_entry_allows_any_port_and_a_host_port_entry_only_that_port():
    access = HttpAccess(granted=True, hosts=frozenset({"example.org", "127.0.0.1:8080"}))
    assert access.refusal("example.org:443") == ""
    assert access.refusal("EXAMPLE.org") == ""
    assert access.refusal("127.0.0.1:8080") == ""
    assert "not in its allowed hosts" in access.refusal("127.0.0.1:8081")
    assert "not in its allowed hosts" in access.refusal("localhost:8080")
    assert "not in its allowed hosts" in access.refusal("example.org.evil.test")
    assert "names no host" in access.refusal(None)
    assert "names no host" in access.refusal("")


@pytest.mark.parametrize("entry", ["127.0.0.1:8080", "example.org", "[::1]:9000", "[::1]",
                                   "::1", " localhost "])
def test_host_entries_an_admin_may_list(entry):
    assert entry_problem(entry) is None


@pytest.mark.parametrize(("entry", "why"), [
    ("http://example.org", "URL or path"),  # would read as the host "http"
    ("example.org/api", "URL or path"),
    ("user@example.org", "not a host"),
    ("exa mple.org", "not a host"),
    ('a"b', "not a host"),
    ("", "not a host"),
    (":8080", "names no host"),
    ("example.org:http", "no valid port"),
    ("example.org:0", "no valid port"),
    ("example.org:70000", "no valid port"),
    ("[::1]x", "not a host"),
])
def test_host_entries_that_are_refused_say_why(entry, why):
    problem = entry_problem(entry)
    assert problem is not None and why in problem and repr(entry) in problem


def test_a_bad_entry_in_config_toml_drops_the_list_and_is_reported(tmp_path):
    from gui.settings import AppSettings

    config = tmp_path / "config.toml"
    config.write_text('[plugins.overrides.fetcher]\n'
                      'http_hosts = ["127.0.0.1:8080", "http://example.org"]\n')
    warnings = []
    settings = AppSettings.load(config, warn=warnings.append)
    assert settings.plugins.override("fetcher").http_hosts == ()  # fails closed
    assert any("overrides.fetcher.http_hosts" in w and "http://example.org" in w
               for w in warnings), warnings
