"""The built-in commands, and the playtest commands for trying plugins.

Registered by :class:`~gui.server.instance.ServerInstance` with owner
``"builtin"``, with the IP ban commands of gui/server/ipban_commands.py.
Levels follow vanilla: ``say`` 2; ``kick``, ``ban``,
``pardon``, ``op``, ``deop``, ``whitelist`` and ``plugin reload`` 3;
``stop`` and ``playtest`` 4; the rest 0.

``playtest join NAME`` joins a virtual player whose connection prints all it
receives to the console (``NAME <- kind: text``); ``playtest chat``,
``playtest run`` and ``playtest leave`` act as that player.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gui.server.arguments import (
    EntityArgument,
    GameProfileArgument,
    MessageArgument,
    PlayersArgument,
    StringArgument,
)
from gui.server.commands import Command, CommandContext, CommandError, CommandNode, Executor
from gui.server.config import PROPERTIES_FILE
from gui.server.ipban_commands import ipban_commands
from gui.server.players import GameProfile, Player, PlaytestConnection
from gui.server.text import TextComponent

if TYPE_CHECKING:
    from gui.server.instance import ServerInstance

OWNER = "builtin"

literal = CommandNode.literal
argument = CommandNode.argument


def _server(ctx: CommandContext) -> ServerInstance:
    return ctx.server  # type: ignore[no-any-return]


# -- information -------------------------------------------------------------


async def _help_all(ctx: CommandContext) -> int:
    dispatcher = _server(ctx).dispatcher
    usable = [c for c in dispatcher.commands() if dispatcher.can_use(ctx.sender, c)]
    ctx.reply(TextComponent.of(f"Commands ({len(usable)}); 'help COMMAND' shows its usage:",
                               color="gold"))
    for command in usable:
        aliases = f" (also: {', '.join(command.aliases)})" if command.aliases else ""
        ctx.reply(f"{command.name}{aliases} - {command.description}")
    return len(usable)


async def _help_one(ctx: CommandContext) -> int:
    dispatcher = _server(ctx).dispatcher
    name = ctx["command"].lower().removeprefix("/")
    command = dispatcher.get(name)
    if command is None or not dispatcher.can_use(ctx.sender, command):
        raise CommandError(f"Unknown command: {name}. Type 'help' for a list.")
    ctx.reply(TextComponent.of(f"{command.name}: {command.description}", color="gold"))
    for line in dispatcher.usage(command.name, ctx.sender):
        ctx.reply(f"Usage: {line}")
    return 1


async def _list(ctx: CommandContext) -> int:
    server = _server(ctx)
    names = server.players.names()
    ctx.reply(f"There are {len(names)} of a max of {server.config.max_players} players online: "
              f"{', '.join(names)}")
    return len(names)


async def _tps(ctx: CommandContext) -> int:
    ticks = _server(ctx).ticks
    ctx.reply(f"TPS: {ticks.tps:.1f}, MSPT: {ticks.mspt:.2f} ms (tick {ticks.tick_count})")
    return int(ticks.tps)


async def _plugins(ctx: CommandContext) -> int:
    summaries = _server(ctx).plugin_host.plugin_summaries()
    if not summaries:
        ctx.reply("No plugins are installed.")
        return 0
    listed = ", ".join(f"{name} {version} ({state})" for name, version, state in summaries)
    ctx.reply(f"Plugins ({len(summaries)}): {listed}")
    return len(summaries)


async def _plugin_reload(ctx: CommandContext) -> int:
    message = await _server(ctx).plugin_host.reload_plugin(ctx["name"])
    ctx.reply(message)
    return 1


# -- chat --------------------------------------------------------------------


async def _say(ctx: CommandContext) -> int:
    name = ctx.sender.name
    delivered = await _server(ctx).broadcast(
        TextComponent.of(f"[{name}] {ctx['message']}"), TextComponent.of(name))
    return int(delivered)


async def _tell(ctx: CommandContext) -> int:
    targets: list[Player] = ctx["targets"]
    message: str = ctx["message"]
    for target in targets:
        target.send_message(TextComponent.of(f"{ctx.sender.name} whispers to you: {message}",
                                             color="gray", italic=True), "chat")
        ctx.reply(TextComponent.of(f"You whisper to {target.name}: {message}",
                                   color="gray", italic=True))
    return len(targets)


# -- moderation --------------------------------------------------------------


async def _kick(ctx: CommandContext) -> int:
    reason = ctx.get("reason", "Kicked by an operator.")
    targets: list[Player] = ctx["targets"]
    for target in targets:
        _server(ctx).kick(target, TextComponent.of(reason))
        ctx.reply(f"Kicked {target.name}: {reason}")
    return len(targets)


async def _ban(ctx: CommandContext) -> int:
    server = _server(ctx)
    reason = ctx.get("reason", "Banned by an operator.")
    profiles: list[GameProfile] = ctx["targets"]
    banned = 0
    for profile in profiles:
        if server.bans.active(profile.uuid) is not None:
            continue
        server.bans.ban(profile.uuid, profile.name, reason, source=ctx.sender.name)
        online = server.players.by_uuid(profile.uuid)
        if online is not None:
            server.kick(online, TextComponent.of(
                f"You are banned from this server. Reason: {reason}"))
        ctx.reply(f"Banned {profile.name}: {reason}")
        banned += 1
    if not banned:
        raise CommandError("Nothing changed. The player is already banned")
    return banned


async def _pardon(ctx: CommandContext) -> int:
    bans = _server(ctx).bans
    entry = bans.find(ctx["target"])
    if entry is None:
        raise CommandError("Nothing changed. The player isn't banned")
    bans.remove(entry.uuid)
    ctx.reply(f"Unbanned {entry.name}")
    return 1


async def _op(ctx: CommandContext) -> int:
    server = _server(ctx)
    level = server.config.op_permission_level
    changed = 0
    for profile in ctx["targets"]:
        entry = server.ops.get(profile.uuid)
        if entry is not None and entry.level == level:
            continue
        server.ops.add(profile.uuid, profile.name, level)
        ctx.reply(f"Made {profile.name} a server operator (level {level})")
        changed += 1
    if not changed:
        raise CommandError("Nothing changed. The player already is an operator")
    return changed


async def _deop(ctx: CommandContext) -> int:
    server = _server(ctx)
    changed = 0
    for profile in ctx["targets"]:
        if server.ops.remove(profile.uuid):
            ctx.reply(f"Made {profile.name} no longer a server operator")
            changed += 1
    if not changed:
        raise CommandError("Nothing changed. The player is not an operator")
    return changed


def _whitelist_switch(enabled: bool) -> Executor:
    async def switch(ctx: CommandContext) -> int:
        server = _server(ctx)
        server.config.white_list = enabled
        server.config.save(server.server_dir / PROPERTIES_FILE)
        ctx.reply(f"Whitelist is now turned {'on' if enabled else 'off'}")
        return 1

    return switch


async def _whitelist_list(ctx: CommandContext) -> int:
    names = [entry.name for entry in _server(ctx).whitelist]
    ctx.reply(f"There are {len(names)} whitelisted players: {', '.join(names)}"
              if names else "There are no whitelisted players")
    return len(names)


async def _whitelist_add(ctx: CommandContext) -> int:
    whitelist = _server(ctx).whitelist
    added = 0
    for profile in ctx["targets"]:
        if profile.uuid not in whitelist:
            whitelist.add(profile.uuid, profile.name)
            ctx.reply(f"Added {profile.name} to the whitelist")
            added += 1
    if not added:
        raise CommandError("Nothing changed. The player is already whitelisted")
    return added


async def _whitelist_remove(ctx: CommandContext) -> int:
    whitelist = _server(ctx).whitelist
    removed = 0
    for profile in ctx["targets"]:
        if whitelist.remove(profile.uuid):
            ctx.reply(f"Removed {profile.name} from the whitelist")
            removed += 1
    if not removed:
        raise CommandError("Nothing changed. The player is not whitelisted")
    return removed


async def _stop(ctx: CommandContext) -> int:
    ctx.reply("Stopping the server")
    _server(ctx).request_stop()
    return 1


# -- playtest ----------------------------------------------------------------


async def _playtest_join(ctx: CommandContext) -> int:
    server = _server(ctx)
    name: str = ctx["name"]
    if server.players.get(name) is not None:
        raise CommandError(f"{name} is already online")
    player = await server.join(name, PlaytestConnection(server.console, name))
    return 1 if player is not None else 0


async def _playtest_chat(ctx: CommandContext) -> int:
    (player,) = ctx["player"]
    return int(await _server(ctx).chat(player, ctx["message"]))


async def _playtest_run(ctx: CommandContext) -> int:
    (player,) = ctx["player"]
    return await _server(ctx).run_command(player, ctx["command"])


async def _playtest_leave(ctx: CommandContext) -> int:
    (player,) = ctx["player"]
    await _server(ctx).leave(player)
    return 1


def builtin_commands() -> list[Command]:
    """Build the built-in commands (fresh objects on every call)."""
    return [
        Command(["help", "?"], "Show the commands you can use, or how to use one").executes(
            _help_all).then(argument("command", StringArgument()).executes(_help_one)),
        Command(["list"], "Show who is online").executes(_list),
        Command(["tps"], "Show ticks per second and milliseconds per tick").executes(_tps),
        Command(["plugins", "pl"], "List the plugins and their state").executes(_plugins),
        Command(["plugin"], "Manage plugins", permission_level=3).then(
            literal("reload").then(
                argument("name", StringArgument()).executes(_plugin_reload))),
        Command(["say"], "Broadcast a message to everyone", permission_level=2).then(
            argument("message", MessageArgument()).executes(_say)),
        Command(["tell", "msg", "w"], "Send a private message").then(
            argument("targets", PlayersArgument()).then(
                argument("message", MessageArgument()).executes(_tell))),
        Command(["kick"], "Disconnect players", permission_level=3).then(
            argument("targets", PlayersArgument()).executes(_kick).then(
                argument("reason", MessageArgument()).executes(_kick))),
        Command(["ban"], "Ban players (online or not)", permission_level=3).then(
            argument("targets", GameProfileArgument()).executes(_ban).then(
                argument("reason", MessageArgument()).executes(_ban))),
        Command(["pardon"], "Lift a player's ban", permission_level=3).then(
            argument("target", StringArgument()).executes(_pardon)),
        Command(["op"], "Make players operators", permission_level=3).then(
            argument("targets", GameProfileArgument()).executes(_op)),
        Command(["deop"], "Take operator status away", permission_level=3).then(
            argument("targets", GameProfileArgument()).executes(_deop)),
        Command(["whitelist"], "Manage the whitelist", permission_level=3).then(
            literal("on").executes(_whitelist_switch(True)),
            literal("off").executes(_whitelist_switch(False)),
            literal("list").executes(_whitelist_list),
            literal("add").then(
                argument("targets", GameProfileArgument()).executes(_whitelist_add)),
            literal("remove").then(
                argument("targets", GameProfileArgument()).executes(_whitelist_remove)),
        ),
        Command(["stop"], "Stop the server", permission_level=4).executes(_stop),
        Command(["playtest"], "Try plugins with virtual players", permission_level=4).then(
            literal("join").then(argument("name", StringArgument()).executes(_playtest_join)),
            literal("chat").then(argument("player", EntityArgument()).then(
                argument("message", MessageArgument()).executes(_playtest_chat))),
            literal("run").then(argument("player", EntityArgument()).then(
                argument("command", MessageArgument()).executes(_playtest_run))),
            literal("leave").then(argument("player", EntityArgument()).executes(_playtest_leave)),
        ),
    ]


def register_builtins(server: ServerInstance) -> None:
    """Register the built-in commands on ``server.dispatcher``."""
    for command in builtin_commands() + ipban_commands():
        command.owner = OWNER
        server.dispatcher.register(command)
