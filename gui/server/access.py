"""The server's access lists together: ops, bans, IP bans and the whitelist.

Each list is its vanilla JSON file (gui/server/ops.py, gui/server/ipbans.py);
:class:`AccessLists` binds them to a server folder and answers "may this
player log in".
"""

from __future__ import annotations

import uuid as _uuid
from pathlib import Path
from typing import Any

from gui.server.ipbans import IpBanList
from gui.server.ops import (
    BANS_FILE,
    IP_BANS_FILE,
    OPS_FILE,
    WHITELIST_FILE,
    BanList,
    JsonListFile,
    OpList,
    Warn,
    Whitelist,
)


class AccessLists:
    """The list files of one server dir, loaded together.

    Attributes:
        ops: ``ops.json``.
        bans: ``banned-players.json``.
        whitelist: ``whitelist.json``.
        ip_bans: ``banned-ips.json``.
    """

    def __init__(self, server_dir: Path, *, warn: Warn | None = None) -> None:
        """Bind the lists to ``server_dir`` (nothing is read yet)."""
        self.ops = OpList(server_dir / OPS_FILE, warn=warn)
        self.bans = BanList(server_dir / BANS_FILE, warn=warn)
        self.whitelist = Whitelist(server_dir / WHITELIST_FILE, warn=warn)
        self.ip_bans = IpBanList(server_dir / IP_BANS_FILE, warn=warn)

    def load(self) -> None:
        """Read all the files (see :meth:`JsonListFile.load`)."""
        for store in (self.ops, self.bans, self.whitelist, self.ip_bans):
            store.load()

    def login_refusal(self, uuid: _uuid.UUID, ip: str | None, *,
                      whitelist_on: bool) -> str:
        """Why a player may not log in because of these lists ("" when they may).

        Fails closed: an unreadable ban list (or whitelist, when it is on)
        refuses everyone but operators until it is fixed.
        """
        is_op = self.ops.get(uuid) is not None
        stores: list[JsonListFile[Any]] = [self.bans, self.ip_bans]
        if whitelist_on:
            stores.append(self.whitelist)
        for store in stores:
            if store.refresh() and not is_op:
                return ("The server cannot read its list of "
                        f"{store.description} right now; try again later")
        ban = self.bans.active(uuid)
        if ban is not None:
            return f"You are banned from this server. Reason: {ban.reason}"
        ip_ban = self.ip_bans.active(ip)
        if ip_ban is not None:
            return f"Your IP address is banned from this server. Reason: {ip_ban.reason}"
        if whitelist_on and uuid not in self.whitelist and not is_op:
            return "You are not white-listed on this server!"
        return ""
