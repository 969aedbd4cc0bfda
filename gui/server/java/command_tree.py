"""The command tree a client is told about (Declare Commands), and Tab completion.

The client shows, completes and colours commands from the tree the server
declares: the root, one literal per command name the player may run (an
alias redirects to its command), and below it the command's own nodes,
each argument with the Brigadier parser that matches its type here. Which
commands and nodes appear is decided by the dispatcher's own rules
(``CommandDispatcher.can_use`` and ``CommandNode.visible_children``), so a
client never sees a command the player could not run.

Node wire format: flags (bits 0-1 type: 0 root, 1 literal, 2 argument;
0x04 executable, 0x08 redirect, 0x10 custom suggestions), children
(VarInt indices), the redirect index if flagged, the name, for arguments
the parser id and its properties, and the suggestions type if flagged.
"""

from __future__ import annotations

import struct

from gui.server.arguments import ArgumentType
from gui.server.commands import CommandDispatcher, CommandNode
from gui.server.java.wire import varint
from gui.server.permission_nodes import PermissionRegistry
from gui.server.players import Player
from gui.server.senders import PlayerSender

ROOT, LITERAL, ARGUMENT = 0, 1, 2
EXECUTABLE, REDIRECT, SUGGESTIONS = 0x04, 0x08, 0x10
STRING_MODES = {"single-word": 0, "quotable": 1, "greedy": 2}
# Argument types the client completes by itself; others ask the server.
_CLIENT_SUGGESTS = frozenset({"bool", "gamemode", "players", "entities", "entity",
                              "game-profile", "position3d", "block-pos"})


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return varint(len(data)) + data


def _range(arg: ArgumentType, fmt: str) -> bytes:
    low, high = getattr(arg, "min", None), getattr(arg, "max", None)
    flags = (0x01 if low is not None else 0) | (0x02 if high is not None else 0)
    out = bytes([flags])
    if low is not None:
        out += struct.pack(fmt, low)
    if high is not None:
        out += struct.pack(fmt, high)
    return out


def parser_of(arg: ArgumentType) -> tuple[str, bytes]:
    """The Brigadier parser name and properties for an argument type of this server."""
    name = arg.name
    if name == "integer":
        return "brigadier:integer", _range(arg, ">i")
    if name == "long":
        return "brigadier:long", _range(arg, ">q")
    if name == "float":
        return "brigadier:float", _range(arg, ">f")
    if name == "double":
        return "brigadier:double", _range(arg, ">d")
    if name == "string":
        return "brigadier:string", varint(STRING_MODES.get(getattr(arg, "mode", ""), 0))
    simple = {"bool": "brigadier:bool", "message": "minecraft:message",
              "gamemode": "minecraft:gamemode", "uuid": "minecraft:uuid",
              "position3d": "minecraft:vec3", "block-pos": "minecraft:block_pos",
              "game-profile": "minecraft:game_profile"}
    if name in simple:
        return simple[name], b""
    if name in ("players", "entities", "entity"):
        # Entity flags: 0x01 a single entity, 0x02 players only.
        return "minecraft:entity", bytes([(0x01 if name == "entity" else 0) | 0x02])
    return "brigadier:string", varint(STRING_MODES["greedy"])  # any other text


class _TreeWriter:
    def __init__(self, parsers: dict[str, int]) -> None:
        self.parsers = parsers
        self.nodes: list[bytes | None] = []

    def reserve(self) -> int:
        self.nodes.append(None)
        return len(self.nodes) - 1

    def node(self, node: CommandNode, level: int, name: str | None = None) -> int:
        index = self.reserve()
        children = [self.node(child, level) for child in node.visible_children(level)]
        flags = LITERAL if node.is_literal else ARGUMENT
        if node.executor is not None:
            flags |= EXECUTABLE
        body = _string(name or node.name)
        if not node.is_literal and node.arg_type is not None:
            parser, properties = parser_of(node.arg_type)
            body += varint(self.parsers[parser]) + properties
            if node.arg_type.name not in _CLIENT_SUGGESTS and \
                    type(node.arg_type).suggest is not ArgumentType.suggest:
                flags |= SUGGESTIONS
                body += _string("minecraft:ask_server")
        self.nodes[index] = self._head(flags, children) + body
        return index

    @staticmethod
    def _head(flags: int, children: list[int]) -> bytes:
        return bytes([flags]) + varint(len(children)) + b"".join(varint(c) for c in children)


def command_tree(dispatcher: CommandDispatcher, permissions: PermissionRegistry,
                 player: Player, parsers: dict[str, int]) -> bytes:
    """The Declare Commands payload (nodes and root index) for ``player``."""
    sender = PlayerSender(player, permissions=permissions)
    level = sender.permission_level
    tree = _TreeWriter(parsers)
    root = tree.reserve()
    children = []
    for command in dispatcher.commands():
        if not dispatcher.can_use(sender, command):
            continue
        main = tree.node(command.root, level, command.name)
        children.append(main)
        for alias in command.names[1:]:
            flags = LITERAL | REDIRECT | (EXECUTABLE if command.root.executor else 0)
            index = tree.reserve()
            tree.nodes[index] = tree._head(flags, []) + varint(main) + _string(alias)
            children.append(index)
    tree.nodes[root] = tree._head(ROOT, children)
    nodes = [n for n in tree.nodes if n is not None]
    assert len(nodes) == len(tree.nodes)
    return varint(len(nodes)) + b"".join(nodes) + varint(root)


def completions(dispatcher: CommandDispatcher, permissions: PermissionRegistry,
                player: Player, text: str) -> tuple[int, int, list[str]]:
    """Tab completion of ``text`` (with its ``/``): start and length of the last word, matches."""
    sender = PlayerSender(player, permissions=permissions)
    lines = dispatcher.complete(text if text.startswith("/") else "/" + text, sender)
    start = text.rfind(" ") + 1
    if start == 0 and text.startswith("/"):
        start = 1
    return start, len(text) - start, [line[start:] for line in lines]
