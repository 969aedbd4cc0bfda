"""dice: /roll [sides] and /coinflip."""

import random

from componentize_py_types import Ok
from pumpkin_api import Plugin, command, metadata, register_plugin, server, text

DEFAULT_SIDES = 6
MIN_SIDES, MAX_SIDES = 2, 1000


def reply(sender: command.CommandSender, message: str) -> None:
    sender.send_message(text.TextComponent.text(message))


def sides_from(args: command.ConsumedArgs) -> int | None:
    """The `sides` argument; DEFAULT_SIDES when absent, None when out of range.

    Bare `/roll` runs the same handler without a `sides` argument. Pumpkin then
    answers get_value("sides") with a non-number (an empty `simple` arg), which
    is how we tell "absent" apart from a number.
    """
    value = args.get_value("sides")
    if not isinstance(value, command.Arg_Num):
        return DEFAULT_SIDES
    if not isinstance(value.value, Ok):  # the host's bounds check failed
        return None
    return int(value.value.value.value)  # Ok -> Number_Int32 -> int


class Dice(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="dice",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Rolls dice (/roll [sides]) and flips coins (/coinflip).",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        roll_id = self.register_command_handler(self.roll)

        # `/roll <sides>`: the argument node must be finished (executor set)
        # before `then`, which hands the node over to the host.
        sides = command.CommandNode.argument(
            "sides", command.ArgumentType_Integer((MIN_SIDES, MAX_SIDES))
        )
        sides.execute_with_handler_id(roll_id)

        roll = command.Command(["roll"], "Roll a die: /roll [sides], default 6")
        roll.then(sides)
        roll.execute_with_handler_id(roll_id)  # bare `/roll` runs the same handler
        ctx.register_command(roll, "")

        coin = command.Command(["coinflip"], "Flip a coin")
        self.register_command(ctx, coin, self.coinflip)

    def roll(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        sides = sides_from(args)
        if sides is None:
            sender.send_error(
                text.TextComponent.text(f"Sides must be between {MIN_SIDES} and {MAX_SIDES}.")
            )
            return 0
        result = random.randint(1, sides)
        reply(sender, f"{sender.get_name()} rolled {result} (1-{sides})")
        return 1

    def coinflip(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        side = random.choice(("heads", "tails"))
        reply(sender, f"{sender.get_name()} flipped {side}")
        return 1


register_plugin(Dice)
