"""IP bans: ``banned-ips.json`` in vanilla's shape, enforced for every connection type.

``[{"ip", "created", "source", "expires", "reason"}]``, read and written like
the other list files (gui/server/ops.py: bad entries skipped, an unreadable
file refuses logins). A connection may carry an ``address`` attribute
(``"ip:port"``, as the Java protocol's connections do); the server checks
its IP against this list on every join (:meth:`AccessLists.login_refusal`).
Playtest connections have no address and no IP to ban.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from gui.server.addresses import normalize_ip
from gui.server.ops import (
    FOREVER,
    EntryError,
    JsonListFile,
    _expired,
    _now_text,
    _require_str,
    ban_fields,
)


@dataclass
class IpBanEntry:
    """One banned IP address. ``expires`` is ``"forever"`` or a vanilla date."""

    ip: str
    created: str
    source: str = "Server"
    expires: str = FOREVER
    reason: str = "Banned by an operator."

    @property
    def key(self) -> str:
        return self.ip

    def to_data(self) -> dict[str, Any]:
        return {"ip": self.ip, "created": self.created, "source": self.source,
                "expires": self.expires, "reason": self.reason}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> IpBanEntry:
        ip = normalize_ip(_require_str(data, "ip"))
        if ip is None:
            raise EntryError(f"'ip' is not an IP address: {data.get('ip')!r}")
        return cls(ip, **ban_fields(data))

    def expired(self, now: _dt.datetime | None = None) -> bool:
        """Whether a temporary ban has run out (an unreadable date never expires)."""
        return _expired(self.expires, now)


class IpBanList(JsonListFile[IpBanEntry]):
    """The banned IP addresses (``banned-ips.json``)."""

    entry_type = IpBanEntry
    description = "IP bans"
    fix_hint = "ban the addresses again with 'ban-ip ADDRESS'"
    fail_closed = True

    def ban(self, ip: str, reason: str = "Banned by an operator.", *, source: str = "Server",
            expires: str = FOREVER) -> IpBanEntry:
        """Ban an IP address (replacing an earlier ban) and save.

        Raises:
            ValueError: ``ip`` is not an IP address.
        """
        address = normalize_ip(ip)
        if address is None:
            raise ValueError(f"{ip!r} is not an IP address")
        return self._put(IpBanEntry(address, _now_text(), source, expires, reason))

    def active(self, ip: str | None) -> IpBanEntry | None:
        """The ban of ``ip`` if it is in force; an expired ban is removed."""
        address = normalize_ip(ip) if ip else None
        entry = self._entries.get(address) if address else None
        if entry is not None and entry.expired():
            self.remove(entry.ip)
            return None
        return entry
