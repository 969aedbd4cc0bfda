"""Network addresses of players: the one rule for "which IP is this connection from".

A connection's address is ``"ip:port"`` (``"[::1]:25565"`` for IPv6); bans and
``player.get-ip`` compare canonical IPs, so an IPv4-mapped IPv6 address is the
IPv4 address it maps.
"""

from __future__ import annotations

import ipaddress


def normalize_ip(text: str) -> str | None:
    """``text`` as a canonical IP address (``"::FFFF:1.2.3.4"`` -> ``"1.2.3.4"``), or None."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def ip_of(address: str | None) -> str | None:
    """The IP of a connection's ``"ip:port"`` (``"[::1]:25565"`` too), or None."""
    if not address:
        return None
    if address.startswith("[") or address.count(":") == 1:
        return normalize_ip(address.rpartition(":")[0])
    return normalize_ip(address)  # a bare IPv6 or IPv4 address
