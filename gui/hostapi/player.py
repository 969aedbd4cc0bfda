"""Host side of ``pumpkin:plugin/player``: players as plugins see them.

``player`` handles are host :class:`~gui.server.players.Player` objects;
``java-player`` handles wrap the same player (every connection here is a
Java-edition-like one). Changes go to the server loop through the scope.
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass
from typing import Any

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.values import level_name, level_number, uuid_record
from gui.server.ipban_commands import ban_ip, player_ip
from gui.server.ops import DATE_FORMAT, FOREVER
from gui.server.players import Player
from gui.server.text import TextComponent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JavaPlayer:
    """The ``java-player`` view of a player."""

    player: Player


class PlayerApi(HostInterface):
    interface = "player"

    @wit("[method]player.get-id")
    def get_id(self, this: Player) -> Any:
        return uuid_record(this.uuid)

    @wit("[method]player.get-name")
    def get_name(self, this: Player) -> str:
        return this.name

    @wit("[method]player.get-display-name")
    def get_display_name(self, this: Player) -> TextComponent:
        return TextComponent.of(this.name)

    @wit("[method]player.get-locale")
    def get_locale(self, this: Player) -> str:
        return "en_us"

    @wit("[method]player.get-ping")
    def get_ping(self, this: Player) -> int:
        return 0

    @wit("[method]player.get-permission-level")
    def get_permission_level(self, this: Player) -> str:
        return level_name(this.permission_level)

    @wit("[method]player.set-permission-level")
    def set_permission_level(self, this: Player, level: str) -> None:
        self.scope.post(_set_level, self.scope.server, this, level_number(level))

    @wit("[method]player.has-permission")
    def has_permission(self, this: Player, node: str) -> bool:
        return self.scope.server.permissions.check(node, this.permission_level)

    @wit("[method]player.send-system-message")
    def send_system_message(self, this: Player, text: TextComponent, overlay: bool) -> None:
        self.scope.post(this.send_message, text, "system")

    @wit("[method]player.as-java")
    def as_java(self, this: Player) -> JavaPlayer:
        return JavaPlayer(this)

    @wit("[method]player.get-ip")
    def get_ip(self, this: Player) -> str:
        return player_ip(this) or ""  # a playtest player has no address

    @wit("[method]player.ban-ip")
    def ban_ip(self, this: Player, options: Any) -> None:
        ip = player_ip(this)
        if ip is None:
            self.scope.log("warn", f"ban-ip of {this.name}: a player without an IP address "
                                   "(a playtest player); nothing was banned")
            return
        self.scope.post(_ban_ip, self.scope.server, self.scope.plugin, ip, options)

    @wit("[method]java-player.kick")
    def kick(self, this: JavaPlayer, options: Any) -> None:
        reason = options.reason if isinstance(options.reason, TextComponent) else None
        self.scope.post(self.scope.server.kick, this.player,
                        reason or TextComponent.of("Kicked by a plugin"))


def _set_level(server: Any, player: Player, level: int) -> None:
    """Server loop: make ``player`` an op of ``level`` (0 removes op)."""
    if level <= 0:
        server.ops.remove(player.uuid)
    else:
        server.ops.add(player.uuid, player.name, level)


def _field(options: Any, name: str, default: Any = None) -> Any:
    """A field of a WIT record value (fields keep their WIT names: ``duration-seconds``)."""
    return getattr(options, name, default)


def _expires(options: Any) -> str:
    """Vanilla's ``expires`` from ``duration-seconds`` or ``expires-at-utc`` (RFC 3339)."""
    seconds = _field(options, "duration-seconds")
    if seconds is not None:
        until = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)
        return until.strftime(DATE_FORMAT)
    at = _field(options, "expires-at-utc")
    if at:
        try:
            until = _dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            return FOREVER
        if until.tzinfo is None:
            until = until.replace(tzinfo=_dt.UTC)
        return until.astimezone(_dt.UTC).strftime(DATE_FORMAT)
    return FOREVER


def _ban_ip(server: Any, plugin: str, ip: str, options: Any) -> None:
    """Server loop: a plugin's ``ban-ip`` (the ban is the plugin's, named as its source)."""
    given = _field(options, "reason")
    reason = given.plain() if isinstance(given, TextComponent) else "Banned by an operator."
    try:
        ban_ip(server, ip, reason, source=_field(options, "source") or plugin,
               expires=_expires(options), kick=bool(_field(options, "kick-matching-players")))
    except Exception as exc:  # e.g. banned-ips.json unreadable: the plugin carries on
        server.console.warn(plugin, f"ban-ip {ip} failed: {exc}")
        return
    if _field(options, "log-to-console", True):
        server.console.info("server", f"{plugin} banned IP {ip}: {reason}")
