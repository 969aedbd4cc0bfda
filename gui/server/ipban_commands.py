"""The IP ban commands, as vanilla has them: ``ban-ip``, ``pardon-ip``, ``banlist ips``.

``ban-ip TARGET [REASON]``: TARGET is an IP address or the name of an online
player (whose connection's IP is banned); every online player on that IP is
kicked. ``pardon-ip ADDRESS`` lifts it. Level 3, like ``ban``. Registered
with the built-ins (gui/server/builtins.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gui.server.addresses import normalize_ip
from gui.server.arguments import MessageArgument, StringArgument
from gui.server.commands import Command, CommandContext, CommandError, CommandNode
from gui.server.ipbans import IpBanEntry
from gui.server.ops import FOREVER
from gui.server.players import Player
from gui.server.text import TextComponent

if TYPE_CHECKING:
    from gui.server.instance import ServerInstance

argument = CommandNode.argument


def player_ip(player: Player) -> str | None:
    """The IP of ``player``'s connection, or None (a playtest player has none)."""
    return player.ip


def ban_ip(server: ServerInstance, ip: str, reason: str, *, source: str,
           expires: str = FOREVER, kick: bool = True) -> tuple[IpBanEntry, list[Player]]:
    """Ban ``ip`` and (with ``kick``) kick every online player on it.

    Returns:
        The ban, and the players kicked.

    Raises:
        ValueError: ``ip`` is not an IP address.
        gui.server.ops.ListUnreadable: banned-ips.json cannot be read.
    """
    entry = server.ip_bans.ban(ip, reason, source=source, expires=expires)
    kicked = [p for p in server.players if player_ip(p) == entry.ip] if kick else []
    for player in kicked:
        server.kick(player, TextComponent.of(
            f"Your IP address is banned from this server. Reason: {reason}"))
    return entry, kicked


async def _ban_ip(ctx: CommandContext) -> int:
    server: ServerInstance = ctx.server
    target: str = ctx["target"]
    reason = ctx.get("reason", "Banned by an operator.")
    ip = normalize_ip(target)
    if ip is None:
        online = server.players.get(target)
        ip = player_ip(online) if online is not None else None
        if ip is None:
            raise CommandError(f"Invalid IP address or unknown player: {target}"
                               + (" (a playtest player has no IP address)"
                                  if online is not None else ""))
    if server.ip_bans.active(ip) is not None:
        raise CommandError("Nothing changed. That IP is already banned")
    entry, kicked = ban_ip(server, ip, reason, source=ctx.sender.name)
    ctx.reply(f"Banned IP {entry.ip}: {reason}")
    if kicked:
        ctx.reply(f"This ban affects {len(kicked)} player(s): "
                  f"{', '.join(p.name for p in kicked)}")
    return 1


async def _pardon_ip(ctx: CommandContext) -> int:
    server: ServerInstance = ctx.server
    ip = normalize_ip(ctx["target"])
    if ip is None:
        raise CommandError(f"Invalid IP address: {ctx['target']}")
    if not server.ip_bans.remove(ip):
        raise CommandError("Nothing changed. That IP isn't banned")
    ctx.reply(f"Unbanned IP {ip}")
    return 1


async def _banlist_ips(ctx: CommandContext) -> int:
    entries = ctx.server.ip_bans.entries()
    if not entries:
        ctx.reply("There are no IP bans")
    for entry in entries:
        ctx.reply(f"{entry.ip} was banned by {entry.source}: {entry.reason}")
    return len(entries)


def ipban_commands() -> list[Command]:
    """Build the IP ban commands (fresh objects on every call)."""
    return [
        Command(["ban-ip"], "Ban an IP address (or an online player's)",
                permission_level=3).then(
            argument("target", StringArgument()).executes(_ban_ip).then(
                argument("reason", MessageArgument()).executes(_ban_ip))),
        Command(["pardon-ip"], "Lift an IP ban", permission_level=3).then(
            argument("target", StringArgument()).executes(_pardon_ip)),
        Command(["banlist"], "List the IP bans", permission_level=3).then(
            CommandNode.literal("ips").executes(_banlist_ips)),
    ]
