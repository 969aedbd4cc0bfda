"""Host side of ``pumpkin:plugin/command``: command trees, senders and parsed arguments.

A plugin builds a tree with ``command`` / ``command-node`` resources (held
here as :class:`CommandBuilder` / :class:`NodeBuilder`) and registers it
through ``context.register-command``; :meth:`CommandBuilder.build` turns it
into a server :class:`~gui.server.commands.Command` whose executors call the
plugin's ``handle-command`` through the plugin manager. Parsing is the
server's; ``consumed-args.get-value`` hands the parsed values back as WIT
``arg`` values.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wasmtime.component import Variant

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.values import level_name, level_number, position_tuple, wit_record
from gui.runtime.traps import HostFunctionError
from gui.server.arguments import (
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
    ParsedArgument,
    PlayersArgument,
    Position3dArgument,
    StringArgument,
    UuidArgument,
)
from gui.server.commands import Command, CommandContext, CommandNode
from gui.server.instance import ServerInstance
from gui.server.players import Player
from gui.server.senders import CommandSender
from gui.server.text import TextComponent

if TYPE_CHECKING:
    from gui.hostapi.scope import PluginScope


@dataclass
class NodeBuilder:
    """A ``command-node`` while the plugin builds its tree."""

    name: str
    arg_type: ArgumentType | None = None
    children: list[NodeBuilder] = field(default_factory=list)
    handler_id: int | None = None


@dataclass
class CommandBuilder:
    """A ``command`` while the plugin builds it."""

    names: list[str]
    description: str
    children: list[NodeBuilder] = field(default_factory=list)
    handler_id: int | None = None

    def build(self, scope: PluginScope, permission: str) -> Command:
        """The server command; every executor calls the plugin's handle-command."""
        if not self.names:
            raise HostFunctionError(f"plugin {scope.plugin!r} registered a command with no name")
        command = Command(
            names=[n.lower() for n in self.names],
            description=self.description,
            permission=permission,
            owner=scope.plugin,
        )
        if self.handler_id is not None:
            command.executes(_executor(scope, self.handler_id))
        command.then(*(_node(scope, child) for child in self.children))
        return command


def _node(scope: PluginScope, builder: NodeBuilder) -> CommandNode:
    if builder.arg_type is None:
        node = CommandNode.literal(builder.name)
    else:
        node = CommandNode.argument(builder.name, builder.arg_type)
    if builder.handler_id is not None:
        node.executes(_executor(scope, builder.handler_id))
    node.then(*(_node(scope, child) for child in builder.children))
    return node


def _executor(scope: PluginScope, handler_id: int) -> Any:
    async def run(ctx: CommandContext) -> int:
        return await scope.calls.run_command(handler_id, ctx.sender, ConsumedArgs(ctx.args))

    return run


@dataclass(frozen=True)
class ConsumedArgs:
    """A ``consumed-args`` handle: the arguments the server parsed."""

    values: dict[str, ParsedArgument]


def _bounds(payload: Any) -> dict[str, Any]:
    low, high = payload if payload is not None else (None, None)
    return {"min": low, "max": high}


def argument_type(value: Any) -> ArgumentType:
    """WIT ``argument-type`` -> a server argument parser.

    Types a text console cannot sensibly parse (NBT, block states, ...) are
    read as one word and handed back as ``simple``.
    """
    tag = value.tag if isinstance(value, Variant) else str(value)
    payload = value.payload if isinstance(value, Variant) else None
    if tag == "bool":
        return BoolArgument()
    if tag == "integer":
        return IntegerArgument(**_bounds(payload))
    if tag == "long":
        return LongArgument(**_bounds(payload))
    if tag == "float":
        return FloatArgument(**_bounds(payload))
    if tag == "double":
        return DoubleArgument(**_bounds(payload))
    if tag == "string":
        return StringArgument(str(payload or "single-word"))
    simple = {
        "message": MessageArgument, "gamemode": GamemodeArgument, "uuid": UuidArgument,
        "position3d": Position3dArgument, "block-pos": BlockPosArgument,
        "players": PlayersArgument, "entities": EntitiesArgument, "entity": EntityArgument,
        "game-profile": GameProfileArgument,
    }
    return simple.get(tag, StringArgument)()


def _number(kind: str, value: Any) -> Variant:
    case = {"integer": "int32", "long": "int64", "float": "float32", "double": "float64"}[kind]
    return Variant("num", Variant("ok", Variant(case, value)))


def arg_value(parsed: ParsedArgument) -> Variant:
    """A parsed argument as a WIT ``arg`` value."""
    kind, value = parsed.kind, parsed.value
    if kind in ("integer", "long", "float", "double"):
        return _number(kind, value)
    if kind == "bool":
        return Variant("bool", bool(value))
    if kind == "message":
        return Variant("msg", str(value))
    if kind == "gamemode":
        return Variant("gamemode", str(value))
    if kind in ("players", "entities", "entity"):
        return Variant("players", [p for p in value if isinstance(p, Player)])
    if kind == "position3d":
        return Variant("pos3d", tuple(float(c) for c in value))
    if kind == "block-pos":
        x, y, z = (int(c) for c in value)
        return Variant("block-pos", wit_record(x=x, y=y, z=z))
    if kind == "game-profile":
        return Variant("simple", " ".join(getattr(p, "name", str(p)) for p in value))
    if isinstance(value, uuid.UUID):
        return Variant("simple", str(value))
    return Variant("simple", str(value))


class CommandApi(HostInterface):
    interface = "command"

    # -- building trees -----------------------------------------------------------
    @wit("[constructor]command")
    def new_command(self, names: list[str], description: str) -> CommandBuilder:
        return CommandBuilder(list(names), description)

    @wit("[method]command.then")
    def command_then(self, this: CommandBuilder, node: NodeBuilder) -> None:
        this.children.append(node)

    @wit("[method]command.execute-with-handler-id")
    def command_executes(self, this: CommandBuilder, handler_id: int) -> None:
        this.handler_id = handler_id

    @wit("[static]command-node.literal")
    def literal(self, name: str) -> NodeBuilder:
        return NodeBuilder(name)

    @wit("[static]command-node.argument")
    def argument(self, name: str, arg_type: Any) -> NodeBuilder:
        return NodeBuilder(name, argument_type(arg_type))

    @wit("[method]command-node.then")
    def node_then(self, this: NodeBuilder, node: NodeBuilder) -> None:
        this.children.append(node)

    @wit("[method]command-node.execute-with-handler-id")
    def node_executes(self, this: NodeBuilder, handler_id: int) -> None:
        this.handler_id = handler_id

    @wit("[method]command-node.suggest-with-handler-id")
    def node_suggests(self, this: NodeBuilder, handler_id: int) -> None:
        """Accepted; the console completes from the tree itself."""

    # -- arguments ------------------------------------------------------------------
    @wit("[method]consumed-args.get-value")
    def get_value(self, this: ConsumedArgs, key: str) -> Variant:
        parsed = this.values.get(key)
        if parsed is None:
            # An argument not on the path that ran (e.g. `roll` without
            # `<sides>`): an empty `simple`, as Pumpkin answers, so plugins can
            # share one handler between a bare command and its arguments.
            return Variant("simple", "")
        return arg_value(parsed)

    # -- senders --------------------------------------------------------------------
    @wit("[method]command-sender.get-command-sender-type")
    def sender_type(self, this: CommandSender) -> Variant:
        if this.player is not None:
            return Variant("player", this.player)
        return Variant("console") if this.is_console else Variant("dummy")

    @wit("[method]command-sender.get-name")
    def sender_name(self, this: CommandSender) -> str:
        return this.name

    @wit("[method]command-sender.send-message")
    def send_message(self, this: CommandSender, text: TextComponent) -> None:
        self.scope.post(this.send_message, text, "feedback")

    @wit("[method]command-sender.send-system-message")
    def send_system_message(self, this: CommandSender, text: TextComponent) -> None:
        self.scope.post(this.send_message, text, "system")

    @wit("[method]command-sender.send-error")
    def send_error(self, this: CommandSender, text: TextComponent) -> None:
        self.scope.post(this.send_error, text)

    @wit("[method]command-sender.set-success-count")
    def set_success_count(self, this: CommandSender, count: int) -> None:
        """Only meaningful for command blocks; accepted and ignored."""

    @wit("[method]command-sender.is-player")
    def is_player(self, this: CommandSender) -> bool:
        return this.player is not None

    @wit("[method]command-sender.is-console")
    def is_console(self, this: CommandSender) -> bool:
        return bool(this.is_console)

    @wit("[method]command-sender.as-player")
    def as_player(self, this: CommandSender) -> Player | None:
        return this.player

    @wit("[method]command-sender.position")
    def position(self, this: CommandSender) -> tuple[float, float, float] | None:
        return position_tuple(this.player.position) if this.player is not None else None

    @wit("[method]command-sender.world")
    def world(self, this: CommandSender) -> Any:
        return self.scope.server.world if this.player is not None else None

    @wit("[method]command-sender.permission-level")
    def permission_level(self, this: CommandSender) -> str:
        return level_name(this.permission_level)

    @wit("[method]command-sender.has-permission-level")
    def has_permission_level(self, this: CommandSender, level: str) -> bool:
        return this.has_permission_level(level_number(level))

    @wit("[method]command-sender.has-permission")
    def has_permission(self, this: CommandSender, server: ServerInstance, node: str) -> bool:
        return this.has_permission(node)

    @wit("[method]command-sender.should-receive-feedback")
    def receives_feedback(self, this: CommandSender) -> bool:
        return True

    @wit("[method]command-sender.should-broadcast-console-to-ops")
    def broadcasts_to_ops(self, this: CommandSender) -> bool:
        return True

    @wit("[method]command-sender.should-track-output")
    def tracks_output(self, this: CommandSender) -> bool:
        return False

    @wit("[method]command-sender.get-locale")
    def get_locale(self, this: CommandSender) -> str:
        return "en-us"
