"""Host side of ``pumpkin:plugin/player``: players as plugins see them.

``player`` handles are host :class:`~gui.server.players.Player` objects;
``java-player`` handles wrap the same player (every connection here is a
Java Edition one, or a playtest player that prints what a client would
see). Reads come from the player's state; changes go to the server loop
through the scope, and the player's connection shows them (a teleport, a
title, a sound) the same way for network and playtest players.
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass
from typing import Any

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.values import level_name, level_number, position_tuple, uuid_record
from gui.server.instance import ServerInstance
from gui.server.ipban_commands import ban_ip
from gui.server.ops import DATE_FORMAT, FOREVER
from gui.server.players import Player, Sound, TabListText
from gui.server.text import TextComponent
from gui.server.world import FlatWorld, Position

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
        return max(0, this.ping_ms)

    @wit("[method]player.get-position")
    def get_position(self, this: Player) -> Any:
        return position_tuple(this.position)

    @wit("[method]player.get-yaw")
    def get_yaw(self, this: Player) -> float:
        return float(this.yaw)

    @wit("[method]player.get-pitch")
    def get_pitch(self, this: Player) -> float:
        return float(this.pitch)

    @wit("[method]player.get-world")
    def get_world(self, this: Player) -> FlatWorld:
        return self.scope.server.world

    @wit("[method]player.get-gamemode")
    def get_gamemode(self, this: Player) -> str:
        return this.gamemode

    @wit("[method]player.set-gamemode")
    def set_gamemode(self, this: Player, mode: str) -> bool:
        if mode == this.gamemode:
            return False
        self.scope.post(this.set_gamemode, mode)
        return True

    @wit("[method]player.teleport")
    def teleport(self, this: Player, position: Any, yaw: float | None, pitch: float | None,
                 world: Any) -> None:
        target = Position(*position_tuple(position))
        self.scope.post(this.teleport, target, yaw, pitch)

    @wit("[method]player.show-title")
    def show_title(self, this: Player, text: TextComponent) -> None:
        self.scope.post(this.send_message, text, "title")

    @wit("[method]player.show-subtitle")
    def show_subtitle(self, this: Player, text: TextComponent) -> None:
        self.scope.post(this.send_message, text, "subtitle")

    @wit("[method]player.show-actionbar")
    def show_actionbar(self, this: Player, text: TextComponent) -> None:
        self.scope.post(this.send_message, text, "actionbar")

    @wit("[method]player.set-tab-list-header-footer")
    def set_tab_list_header_footer(self, this: Player, header: TextComponent,
                                   footer: TextComponent) -> None:
        self.scope.post(this.connection.apply, TabListText(header, footer))

    @wit("[method]player.play-sound")
    def play_sound(self, this: Player, sound: str, category: str, volume: float,
                   pitch: float) -> None:
        self.scope.post(this.connection.apply, Sound(sound, category, volume, pitch))

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
        self.scope.post(this.send_message, text, "actionbar" if overlay else "system")

    @wit("[method]player.as-java")
    def as_java(self, this: Player) -> JavaPlayer:
        return JavaPlayer(this)

    @wit("[method]player.get-ip")
    def get_ip(self, this: Player) -> str:
        return this.ip or ""  # a playtest player has no address

    @wit("[method]player.ban-ip")
    def ban_ip(self, this: Player, options: Any) -> None:
        ip = this.ip
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


def _set_level(server: ServerInstance, player: Player, level: int) -> None:
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


def _ban_ip(server: ServerInstance, plugin: str, ip: str, options: Any) -> None:
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
