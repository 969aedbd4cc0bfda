"""Which outgoing HTTP requests a plugin may make (HttpAccess, the host-list rule)."""

from __future__ import annotations

import pytest

from gui.runtime.http_gate import HttpAccess, parse_authority


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
