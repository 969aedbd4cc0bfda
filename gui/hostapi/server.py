"""Host side of ``pumpkin:plugin/server``: the server as plugins see it.

``server`` handles are the host :class:`~gui.server.instance.ServerInstance`.
``get-sys-info`` fills only the fields the plugin was granted
(sys.info.cpu / .ram / .os, or sys.info for all).
"""

from __future__ import annotations

import os
import platform
from typing import Any

from wasmtime.component import Record, Variant

import gui
from gui.hostapi.base import HostInterface, wit
from gui.hostapi.values import uuid_from_record, wit_record
from gui.server.players import Player
from gui.server.text import TextComponent


class ServerApi(HostInterface):
    interface = "server"

    @property
    def _server(self):
        return self.scope.server

    @wit("[method]server.get-player-count")
    def get_player_count(self, this: Any) -> int:
        return len(self._server.players)

    @wit("[method]server.get-all-players")
    def get_all_players(self, this: Any) -> list[Player]:
        return list(self._server.players)

    @wit("[method]server.get-player-by-name")
    def get_player_by_name(self, this: Any, name: str) -> Player | None:
        return self._server.players.get(name)

    @wit("[method]server.get-player-by-uuid")
    def get_player_by_uuid(self, this: Any, ident: Any) -> Player | None:
        return self._server.players.by_uuid(uuid_from_record(ident))

    @wit("[method]server.get-tps")
    def get_tps(self, this: Any) -> float:
        return float(self._server.ticks.tps)

    @wit("[method]server.get-mspt")
    def get_mspt(self, this: Any) -> float:
        return float(self._server.ticks.mspt)

    @wit("[method]server.get-max-players")
    def get_max_players(self, this: Any) -> int:
        return int(self._server.config.max_players)

    @wit("[method]server.get-motd")
    def get_motd(self, this: Any) -> str:
        return str(self._server.config.motd)

    @wit("[method]server.is-online-mode")
    def is_online_mode(self, this: Any) -> bool:
        return False

    @wit("[method]server.is-hardcore")
    def is_hardcore(self, this: Any) -> bool:
        return False

    @wit("[method]server.has-whitelist")
    def has_whitelist(self, this: Any) -> bool:
        return bool(self._server.config.white_list)

    @wit("[method]server.broadcast")
    def broadcast(self, this: Any, message: str) -> None:
        self.scope.post_coroutine(self._server.broadcast(TextComponent.of(message)))

    @wit("[method]server.execute-command")
    def execute_command(self, this: Any, command: str, sender: Any) -> None:
        # command-sender is `console | player(player)`: wasmtime-py gives a Variant.
        tag = sender.tag if isinstance(sender, Variant) else "console"
        if tag == "player" and isinstance(sender.payload, Player):
            self.scope.post_coroutine(self._server.run_command(sender.payload, command))
        else:
            self.scope.post_coroutine(self._server.execute_console(command))

    @wit("[method]server.get-sys-info")
    def get_sys_info(self, this: Any) -> Record:
        granted = self.scope.granted
        everything = "sys.info" in granted
        cpu = everything or "sys.info.cpu" in granted
        ram = everything or "sys.info.ram" in granted
        osinfo = everything or "sys.info.os" in granted
        if not (cpu and ram and osinfo):
            missing = [name for name, ok in (("sys.info.cpu", cpu), ("sys.info.ram", ram),
                                             ("sys.info.os", osinfo)) if not ok]
            self.scope.lacks("sys.info", (
                f"called server.get-sys-info without {', '.join(missing)}: those fields are "
                "left empty; the admin can grant them ('pumpkin-patch plugin grant "
                f"{self.scope.plugin} sys.info.cpu', ...) if the plugin requests them"))
        total, used = _memory() if ram else (None, None)
        return wit_record(cpu_count=os.cpu_count() if cpu else None,
                          total_memory=total, used_memory=used,
                          os_name=platform.system() if osinfo else None,
                          os_version=platform.release() if osinfo else None,
                          pumpkin_version=f"pumpkin-patch {gui.__version__}")


def _memory() -> tuple[int | None, int | None]:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        available = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None, None
    return pages * size, (pages - available) * size
