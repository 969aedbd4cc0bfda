"""warp: teleports, a block marker and a welcome on screen, for players in a real client."""

import math

from pumpkin_api import Plugin, command, event, metadata, register_plugin, server, text

EDGE = 1000  # moves past z = EDGE are cancelled


def say(sender: command.CommandSender, message: str) -> None:
    sender.send_message(text.TextComponent.text(message))


def player_of(sender: command.CommandSender, refusal: str):
    """The player running a command, or None after telling a console sender ``refusal``."""
    player = sender.as_player()
    if player is None:
        say(sender, refusal)
    return player


class Warp(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="warp",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="/warp <x y z> teleports you, /mark puts a gold block under you, "
            "/where tells where you are; a title welcomes every player; the lab ends at "
            "z = 1000.",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        self.register_event(ctx, event.EventType.PLAYER_JOIN_EVENT, self.on_join)
        self.register_event(ctx, event.EventType.PLAYER_MOVE_EVENT, self.on_move)

        warp_id = self.register_command_handler(self.warp)
        target = command.CommandNode.argument("target", command.ArgumentType_Position3d())
        target.execute_with_handler_id(warp_id)
        warp = command.Command(["warp"], "Teleport yourself: /warp <x> <y> <z>")
        warp.then(target)
        ctx.register_command(warp, "")

        self.register_command(ctx, command.Command(["mark"], "Put a gold block under you"),
                              self.mark)
        self.register_command(ctx, command.Command(["where"], "Tell where you are"),
                              self.where)

    def on_join(self, srv: server.Server, data: event.PlayerJoinEventData):
        player = data.player
        player.show_title(text.TextComponent.text("Welcome"))
        player.show_subtitle(text.TextComponent.text(f"to the warp lab, {player.get_name()}"))
        player.set_tab_list_header_footer(text.TextComponent.text("Warp lab"),
                                          text.TextComponent.text("/warp x y z"))
        return data

    def on_move(self, srv: server.Server, data: event.PlayerMoveEventData):
        x, y, z = data.to_position
        if z > EDGE:
            data.cancelled = True
            data.player.show_actionbar(text.TextComponent.text(f"The lab ends at z = {EDGE}"))
        elif math.floor(data.from_position[0]) != math.floor(x) or \
                math.floor(data.from_position[2]) != math.floor(z):
            below = data.player.get_world().get_block_state(world_pos(x, y - 1, z))
            if below.block_name == "minecraft:gold_block":
                data.player.show_actionbar(text.TextComponent.text("You are on a mark"))
        return data

    def warp(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        player = player_of(sender, "Only a player can warp, to /warp <x> <y> <z>")
        value = args.get_value("target")
        if player is None or not isinstance(value, command.Arg_Pos3d):
            return 0
        x, y, z = value.value
        player.teleport((x, y, z), None, None, player.get_world())
        say(sender, f"Warped {player.get_name()} to {x:g} {y:g} {z:g}")
        return 1

    def mark(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        player = player_of(sender, "Only a player can mark a block")
        if player is None:
            return 0
        x, y, z = player.get_position()
        below = world_pos(x, y - 1, z)
        placed = player.get_world().set_block_by_name(below, "gold_block", no_flags())
        say(sender, f"Marked {below.x} {below.y} {below.z}" if placed else "No gold here")
        return 1

    def where(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        player = player_of(sender, "The console is everywhere")
        if player is None:
            return 0
        x, y, z = player.get_position()
        say(sender, f"{player.get_name()} is at {x:.1f} {y:.1f} {z:.1f}, "
                    f"{player.get_gamemode().name.lower()}, ping {player.get_ping()} ms")
        return 1


def world_pos(x: float, y: float, z: float):
    from pumpkin_api import common

    return common.BlockPos(int(x // 1), int(y // 1), int(z // 1))


def no_flags():
    from pumpkin_api import world

    return world.BlockFlags(0)


register_plugin(Warp)
