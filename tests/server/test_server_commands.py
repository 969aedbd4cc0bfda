"""Argument types, the command tree and the dispatcher."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from gui.server.arguments import (
    ArgumentError,
    ArgumentType,
    BlockPosArgument,
    BoolArgument,
    DoubleArgument,
    EntitiesArgument,
    EntityArgument,
    FloatArgument,
    GamemodeArgument,
    GameProfileArgument,
    IntegerArgument,
    LongArgument,
    MessageArgument,
    ParseSource,
    PlayersArgument,
    Position3dArgument,
    StringArgument,
    StringReader,
    UuidArgument,
)
from gui.server.commands import (
    Command,
    CommandConflictError,
    CommandContext,
    CommandDispatcher,
    CommandError,
    CommandNode,
)
from gui.server.console import ConsoleLog
from gui.server.ops import OpList
from gui.server.permission_nodes import PermissionNode, PermissionRegistry
from gui.server.players import GameProfile, Player, PlayerList, PlaytestConnection, offline_uuid
from gui.server.senders import ConsoleSender, PlayerSender


class World:
    """The bits of a server the dispatcher reads: who is online."""

    def __init__(self, tmp_path: Path) -> None:
        self.console = ConsoleLog()
        self.ops = OpList(tmp_path / "ops.json")
        self.players = PlayerList()

    def join(self, name: str) -> Player:
        player = Player(name, PlaytestConnection(self.console, name), levels=self.ops)
        self.players.add(player)
        return player

    def feedback(self, name: str) -> list[str]:
        prefix = f"{name} <- feedback: "
        return [m[len(prefix):] for m in self.console.messages("playtest") if m.startswith(prefix)]


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.join("Alice")
    world.join("Bob")
    return world


def parse(arg: ArgumentType, text: str, world: World, sender: Any = None) -> Any:
    sender = sender or ConsoleSender(world.console)
    reader = StringReader(text)
    value = arg.parse(reader, ParseSource(sender, world.players))
    assert reader.at_end, f"{text!r} was not fully read"
    return value


def parse_error(arg: ArgumentType, text: str, world: World, sender: Any = None) -> str:
    with pytest.raises(ArgumentError) as info:
        parse(arg, text, world, sender)
    return str(info.value)


# -- argument types ------------------------------------------------------------


def test_bool(world: World) -> None:
    assert parse(BoolArgument(), "true", world) is True
    assert parse(BoolArgument(), "FALSE", world) is False
    assert parse_error(BoolArgument(), "yes", world) == "Expected true or false"


def test_numbers_with_bounds(world: World) -> None:
    assert parse(IntegerArgument(), "-42", world) == -42
    assert parse(LongArgument(), str(2**40), world) == 2**40
    assert parse(FloatArgument(0, 1), "0.5", world) == 0.5
    assert parse(DoubleArgument(), "-1e3", world) == -1000.0
    assert parse_error(IntegerArgument(), "4.5", world) == "Expected integer"
    assert parse_error(IntegerArgument(), str(2**40), world) == f"Invalid integer '{2**40}'"
    assert parse_error(IntegerArgument(1, 64), "0", world) == \
        "Integer must not be less than 1, found 0"
    assert parse_error(IntegerArgument(1, 64), "65", world) == \
        "Integer must not be more than 64, found 65"
    assert parse_error(DoubleArgument(), "nan", world) == "Expected double"
    with pytest.raises(ValueError):
        IntegerArgument(5, 1)


def test_strings(world: World) -> None:
    assert parse(StringArgument(), "word", world) == "word"
    assert parse(StringArgument("quotable"), '"two words \\" here"', world) == 'two words " here'
    assert parse(StringArgument("quotable"), "bare", world) == "bare"
    assert parse(StringArgument("greedy"), "all of it", world) == "all of it"
    assert parse_error(StringArgument("quotable"), '"open', world) == "Unclosed quoted string"
    reader = StringReader("two words")
    assert StringArgument().parse(reader, ParseSource(ConsoleSender(world.console),
                                                      world.players)) == "two"
    assert reader.cursor == 3
    with pytest.raises(ValueError):
        StringArgument("paragraph")


def test_message_gamemode_uuid(world: World) -> None:
    assert parse(MessageArgument(), "hello there", world) == "hello there"
    assert parse_error(MessageArgument(), "  ", world) == "Expected a message"
    assert parse(GamemodeArgument(), "Creative", world) == "creative"
    assert "Unknown game mode 'hardcore'" in parse_error(GamemodeArgument(), "hardcore", world)
    value = uuid.uuid4()
    assert parse(UuidArgument(), str(value), world) == value
    assert parse_error(UuidArgument(), "not-a-uuid", world) == "Invalid UUID 'not-a-uuid'"


def test_positions(world: World) -> None:
    assert parse(Position3dArgument(), "1.5 ~ ~-2", world) == (1.5, 0.0, -2.0)
    assert parse(BlockPosArgument(), "1 64 ~3", world) == (1, 64, 3)
    assert "Invalid coordinate '1.5'" in parse_error(BlockPosArgument(), "1.5 2 3", world)
    assert parse_error(Position3dArgument(), "1 2", world) == "Expected three coordinates (x y z)"
    assert "not supported" in parse_error(Position3dArgument(), "^ ^ ^", world)


def test_player_selectors(world: World) -> None:
    alice, bob = world.players.get("alice"), world.players.get("Bob")
    assert parse(PlayersArgument(), "alice", world) == [alice]
    assert parse(PlayersArgument(), "@a", world) == [alice, bob]
    assert parse(EntitiesArgument(), "@e", world) == [alice, bob]
    assert parse(EntityArgument(), "@s", world, PlayerSender(bob)) == [bob]
    assert parse(PlayersArgument(), "@r", world)[0] in (alice, bob)
    assert parse_error(PlayersArgument(), "Carl", world) == "No player named 'Carl' is online"
    assert "needs a player" in parse_error(PlayersArgument(), "@p", world)
    assert "matches 2" in parse_error(EntityArgument(), "@a", world)
    assert "Unknown selector" in parse_error(PlayersArgument(), "@x", world)
    assert parse_error(PlayersArgument(), "bad-name!", world) == "Invalid player name 'bad-name!'"


def test_game_profiles_include_offline_players(world: World) -> None:
    carl = GameProfile("Carl", offline_uuid("Carl"))
    assert parse(GameProfileArgument(), "Carl", world) == [carl]
    alice = world.players.get("Alice")
    assert alice is not None
    assert parse(GameProfileArgument(), "ALICE", world) == [alice.profile]


# -- dispatcher ----------------------------------------------------------------


def give_command(calls: list[dict[str, Any]]) -> Command:
    async def give(ctx: CommandContext) -> int:
        calls.append({name: arg.value for name, arg in ctx.args.items()} | {"label": ctx.label})
        return ctx.get("amount", 1)

    return Command(["give", "g"], "Give items", owner="builtin").then(
        CommandNode.argument("target", PlayersArgument()).then(
            CommandNode.argument("item", StringArgument()).executes(give).then(
                CommandNode.argument("amount", IntegerArgument(1, 64)).executes(give))))


def dispatcher_for(world: World, *commands: Command) -> CommandDispatcher:
    dispatcher = CommandDispatcher(world)
    for command in commands:
        dispatcher.register(command)
    return dispatcher


def test_execute_parses_arguments_and_aliases(world: World) -> None:
    calls: list[dict[str, Any]] = []
    dispatcher = dispatcher_for(world, give_command(calls))
    console = ConsoleSender(world.console)
    assert asyncio.run(dispatcher.execute(console, "/give Alice apple 5")) == 5
    assert asyncio.run(dispatcher.execute(console, "g Bob pear")) == 1
    alice, bob = world.players.get("Alice"), world.players.get("Bob")
    assert calls == [
        {"target": [alice], "item": "apple", "amount": 5, "label": "give"},
        {"target": [bob], "item": "pear", "label": "g"},
    ]


def test_parse_error_names_argument_and_position(world: World) -> None:
    dispatcher = dispatcher_for(world, give_command([]))
    console = ConsoleSender(world.console)
    assert asyncio.run(dispatcher.execute(console, "give Alice apple lots")) == 0
    assert world.console.messages()[-3:] == [
        "Expected integer for 'amount' at position 17",
        "Usage: give <target> <item>",
        "Usage: give <target> <item> <amount>",
    ]
    asyncio.run(dispatcher.execute(console, "give Alice apple 5 extra"))
    assert "Unexpected 'extra' at position 19: too many arguments" in world.console.messages()
    asyncio.run(dispatcher.execute(console, "give Alice"))
    assert "Incomplete command 'give Alice'" in world.console.messages()


def test_unknown_command(world: World) -> None:
    dispatcher = dispatcher_for(world)
    alice = world.players.get("Alice")
    assert alice is not None
    assert asyncio.run(dispatcher.execute(PlayerSender(alice), "fly")) == 0
    assert world.feedback("Alice") == ["Unknown command: fly. Type 'help' for a list."]


def test_permission_levels(world: World) -> None:
    calls: list[dict[str, Any]] = []
    command = give_command(calls)
    command.permission_level = 2
    dispatcher = dispatcher_for(world, command)
    alice = world.players.get("Alice")
    assert alice is not None
    assert asyncio.run(dispatcher.execute(PlayerSender(alice), "give Bob apple")) == 0
    assert world.feedback("Alice") == ["You do not have permission to use 'give' (needs level 2)"]
    world.ops.add(alice.uuid, alice.name, 2)
    assert asyncio.run(dispatcher.execute(PlayerSender(alice), "give Bob apple")) == 1
    assert len(calls) == 1


def test_node_requirement_hides_branch(world: World) -> None:
    async def ok(ctx: CommandContext) -> int:
        return 7

    command = Command(["tool"]).then(
        CommandNode.literal("use").executes(ok),
        CommandNode.literal("reset", requirement=3).executes(ok),
    )
    dispatcher = dispatcher_for(world, command)
    alice = world.players.get("Alice")
    assert alice is not None
    sender = PlayerSender(alice)
    assert asyncio.run(dispatcher.execute(sender, "tool use")) == 7
    assert asyncio.run(dispatcher.execute(sender, "tool reset")) == 0
    assert dispatcher.usage("tool", sender) == ["tool use"]
    assert dispatcher.usage("tool") == ["tool use", "tool reset"]
    assert dispatcher.complete("tool ", sender) == ["tool use"]


def test_permission_node_is_checked_when_registered(world: World) -> None:
    async def ok(ctx: CommandContext) -> int:
        return 1

    registry = PermissionRegistry()
    dispatcher = CommandDispatcher(world, permissions=registry)
    home = Command(["home"], permission="homes:command.home", owner="homes").executes(ok)
    dispatcher.register(home)
    alice = world.players.get("Alice")
    assert alice is not None
    sender = PlayerSender(alice, permissions=registry)
    assert asyncio.run(dispatcher.execute(sender, "home")) == 1  # unregistered node: level only
    registry.register(PermissionNode("homes:command.home", "homes", default="deny"))
    assert asyncio.run(dispatcher.execute(sender, "home")) == 0
    assert "needs permission 'homes:command.home'" in world.feedback("Alice")[-1]
    registry.register(PermissionNode("homes:command.home", "homes", default="allow"))
    assert asyncio.run(dispatcher.execute(sender, "home")) == 1


def test_executor_errors_are_reported(world: World) -> None:
    async def fails(ctx: CommandContext) -> int:
        raise CommandError("No home set")

    async def crashes(ctx: CommandContext) -> int:
        raise ZeroDivisionError("boom")

    dispatcher = dispatcher_for(world, Command(["home"]).executes(fails),
                                Command(["crash"], owner="buggy").executes(crashes))
    console = ConsoleSender(world.console)
    assert asyncio.run(dispatcher.execute(console, "home")) == 0
    assert asyncio.run(dispatcher.execute(console, "crash")) == 0
    assert world.console.messages()[-2:] == [
        "No home set",
        "An unexpected error occurred running 'crash' (buggy): boom",
    ]


def test_register_conflict_and_unregister_owner(world: World) -> None:
    async def ok(ctx: CommandContext) -> int:
        return 1

    dispatcher = dispatcher_for(world, give_command([]))
    with pytest.raises(CommandConflictError, match="'g' is already registered by 'builtin'"):
        dispatcher.register(Command(["gamble", "g"], owner="casino").executes(ok))
    assert dispatcher.get("gamble") is None  # nothing half-registered
    dispatcher.register(Command(["spin", "roll"], owner="casino").executes(ok))
    dispatcher.register(Command(["jackpot"], owner="casino").executes(ok))
    # The same owner registering again replaces its command.
    dispatcher.register(Command(["spin"], owner="casino", description="v2").executes(ok))
    assert dispatcher.get("roll") is None
    assert [c.name for c in dispatcher.commands()] == ["give", "jackpot", "spin"]
    assert dispatcher.unregister_owner("casino") == 2
    assert [c.name for c in dispatcher.commands()] == ["give"]
    assert dispatcher.unregister_owner("casino") == 0


def test_complete(world: World) -> None:
    async def ok(ctx: CommandContext) -> int:
        return 1

    dispatcher = dispatcher_for(
        world, give_command([]),
        Command(["game"]).then(CommandNode.argument("mode", GamemodeArgument()).executes(ok)),
        Command(["plugin"], permission_level=3).then(
            CommandNode.literal("reload").executes(ok), CommandNode.literal("list").executes(ok)),
    )
    alice = world.players.get("Alice")
    assert alice is not None
    assert dispatcher.complete("ga") == ["game"]
    assert dispatcher.complete("/g") == ["/g", "/game", "/give"]
    assert dispatcher.complete("p", PlayerSender(alice)) == []
    assert dispatcher.complete("plugin ") == ["plugin list", "plugin reload"]
    assert dispatcher.complete("game cr") == ["game creative"]
    assert dispatcher.complete("give A") == ["give Alice"]
    assert dispatcher.complete("nothing here") == []
