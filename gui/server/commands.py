"""A Brigadier-like command tree and the dispatcher that runs command lines.

A :class:`Command` has names (primary first, then aliases), an owner
(``"builtin"`` or a plugin), a required op level and a root
:class:`CommandNode`. Nodes are literals (``reload``) or arguments
(``<amount>`` parsed by an :class:`~gui.server.arguments.ArgumentType`); a
node with an executor ends a valid command. Executors are
``async def executor(ctx: CommandContext) -> int``; they report a failure
meant for the sender by raising :class:`CommandError`.

The dispatcher follows the path that matches the most input, so the error it
reports (with the usage of that path) is the one closest to what was meant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gui.errors import PumpkinPatchError
from gui.server.arguments import (
    ArgumentError,
    ArgumentType,
    ParsedArgument,
    ParseSource,
    StringReader,
)
from gui.server.command_nodes import Command, CommandContext, CommandNode, Executor
from gui.server.permission_nodes import PermissionRegistry
from gui.server.players import PlayerList
from gui.server.senders import CommandSender
from gui.server.text import TextComponent

__all__ = [
    "ArgumentError",
    "ArgumentType",
    "Command",
    "CommandConflictError",
    "CommandContext",
    "CommandDispatcher",
    "CommandError",
    "CommandNode",
    "Executor",
    "ParsedArgument",
]

logger = logging.getLogger(__name__)

class CommandError(PumpkinPatchError):
    """Raised by an executor: the command failed, tell the sender why."""

    def __init__(self, message: str | TextComponent) -> None:
        self.text = message if isinstance(message, TextComponent) else TextComponent.of(
            message, color="red")
        super().__init__(self.text.plain())


class CommandConflictError(PumpkinPatchError, ValueError):
    """A command name is already registered by another owner."""


@dataclass
class _Match:
    """The outcome of following one path through a tree."""

    path: list[CommandNode]
    args: dict[str, ParsedArgument]
    error: str | None = None
    error_pos: int = 0

    @property
    def node(self) -> CommandNode:
        return self.path[-1]

    def rank(self, length: int) -> tuple[int, int]:
        if self.error is None:
            return (3 if self.node.executor is not None else 2, length)
        return (1, self.error_pos)


class CommandDispatcher:
    """Registers commands and runs command lines.

    Attributes:
        server: Handed to executors as ``ctx.server``.
        permissions: Registered permission nodes (see :class:`Command`).
    """

    def __init__(self, server: Any = None, *,
                 permissions: PermissionRegistry | None = None) -> None:
        """Create an empty dispatcher.

        Args:
            server: The server instance; its ``players`` feed player arguments.
            permissions: The permission registry; a new one when ``None``.
        """
        self.server = server
        self.permissions = permissions if permissions is not None else PermissionRegistry()
        self._by_name: dict[str, Command] = {}
        # Called after every registration change (game clients then get a new tree).
        self.changed: list[Callable[[], None]] = []

    def _changed(self) -> None:
        for callback in list(self.changed):
            callback()

    # -- registration -------------------------------------------------------

    def register(self, command: Command) -> None:
        """Add a command; the same owner registering a name again replaces it.

        Raises:
            CommandConflictError: A name is taken by another owner.
        """
        for name in command.names:
            existing = self._by_name.get(name)
            if existing is not None and existing.owner != command.owner:
                raise CommandConflictError(
                    f"Cannot register command '{name}' for '{command.owner}': "
                    f"'{name}' is already registered by '{existing.owner}'. "
                    f"Rename the command or disable one of the two."
                )
        for name in command.names:
            existing = self._by_name.get(name)
            if existing is not None:
                self._remove(existing)
        for name in command.names:
            self._by_name[name] = command
        self._changed()

    def _remove(self, command: Command) -> None:
        for name in command.names:
            if self._by_name.get(name) is command:
                del self._by_name[name]

    def unregister_owner(self, owner: str) -> int:
        """Remove every command of ``owner``; return how many there were."""
        owned = [c for c in self.commands() if c.owner == owner]
        for command in owned:
            self._remove(command)
        if owned:
            self._changed()
        return len(owned)

    def get(self, name: str) -> Command | None:
        """The command with name or alias ``name``, or ``None``."""
        return self._by_name.get(name.lower().lstrip("/"))

    def commands(self) -> list[Command]:
        """All commands, once each, sorted by primary name."""
        unique = {id(c): c for c in self._by_name.values()}
        return sorted(unique.values(), key=lambda c: c.name)

    # -- permissions --------------------------------------------------------

    def can_use(self, sender: CommandSender, command: Command) -> bool:
        """Whether ``sender`` passes the command's level and permission node."""
        return self._denial(sender, command) is None

    def _denial(self, sender: CommandSender, command: Command) -> str | None:
        label = command.name
        if sender.permission_level < command.permission_level:
            return (f"You do not have permission to use '{label}' "
                    f"(needs level {command.permission_level})")
        if (command.permission and self.permissions.get(command.permission) is not None
                and not sender.has_permission(command.permission)):
            return (f"You do not have permission to use '{label}' "
                    f"(needs permission '{command.permission}')")
        return None

    # -- running ------------------------------------------------------------

    async def execute(self, sender: CommandSender, line: str) -> int:
        """Parse and run ``line`` as ``sender``.

        Problems are reported to the sender, never raised: unknown command,
        missing permission, parse errors (with the usage), executor failures.

        Args:
            sender: Who runs the command.
            line: The command line; a leading ``/`` is ignored.

        Returns:
            The executor's result, or 0 when the command did not run.
        """
        line = line.strip()
        line = line[1:] if line.startswith("/") else line
        if not line:
            return 0
        label = line.split(" ", 1)[0]
        command = self.get(label)
        if command is None:
            sender.send_error(f"Unknown command: {label}. Type 'help' for a list.")
            return 0
        denial = self._denial(sender, command)
        if denial is not None:
            sender.send_error(denial)
            return 0
        match = self._follow(
            [command.root], {}, line, len(label), ParseSource(sender, self._players()),
        )
        if match.error is not None:
            sender.send_error(match.error)
            self._send_usage(sender, command, match.path)
            return 0
        executor = match.node.executor
        if executor is None:
            sender.send_error(f"Incomplete command '{line}'")
            self._send_usage(sender, command, match.path)
            return 0
        ctx = CommandContext(sender, self.server, match.args, line, command, label.lower())
        try:
            result = await executor(ctx)
        except CommandError as exc:
            sender.send_error(exc.text)
            return 0
        except Exception as exc:
            logger.exception("Command '%s' of %s failed", line, command.owner)
            sender.send_error(f"An unexpected error occurred running '{command.name}' "
                              f"({command.owner}): {exc}")
            return 0
        return 1 if result is None else int(result)

    def _players(self) -> PlayerList:
        players = getattr(self.server, "players", None)
        return players if isinstance(players, PlayerList) else PlayerList()

    def _follow(self, path: list[CommandNode], args: dict[str, ParsedArgument], text: str,
                cursor: int, source: ParseSource) -> _Match:
        """Match the input after ``cursor`` against the children of ``path[-1]``."""
        node = path[-1]
        if cursor >= len(text):
            return _Match(path, args)
        start = cursor + 1
        children = node.visible_children(source.sender.permission_level)
        word = text[start:].split(" ", 1)[0]
        if not children:
            return _Match(path, args, f"Unexpected '{word}' at position {start}: "
                                      f"too many arguments", start)
        best: _Match | None = None
        arg_error: _Match | None = None
        for child in children:
            if child.is_literal:
                if word.lower() != child.name:
                    continue
                result = self._follow([*path, child], args, text, start + len(word), source)
            else:
                assert child.arg_type is not None
                reader = StringReader(text, start)
                try:
                    value = child.arg_type.parse(reader, source)
                    if not reader.at_end and reader.peek() != " ":
                        raise ArgumentError("Expected a space after the argument")
                except ArgumentError as exc:
                    failure = _Match(path, args, f"{exc} for '{child.name}' at position {start}",
                                     start)
                    arg_error = arg_error or failure
                    continue
                parsed = {**args, child.name: ParsedArgument(child.arg_type.name, value)}
                result = self._follow([*path, child], parsed, text, reader.cursor, source)
            if result.error is None and result.node.executor is not None:
                return result
            if best is None or result.rank(len(text)) > best.rank(len(text)):
                best = result
        if best is not None and (arg_error is None or best.rank(len(text)) > (1, start)):
            return best
        if arg_error is not None:
            return arg_error
        options = ", ".join(c.usage_token for c in children)
        return _Match(path, args, f"Unknown argument '{word}' at position {start} "
                                  f"(expected {options})", start)

    # -- usage and completion ---------------------------------------------

    def usage(self, name: str, sender: CommandSender | None = None) -> list[str]:
        """Every complete form of command ``name``, e.g. ``["kick <targets>", ...]``.

        Args:
            name: A name or alias.
            sender: If given, nodes above the sender's level are left out.

        Returns:
            The usage lines, or ``[]`` for an unknown command.
        """
        command = self.get(name)
        if command is None:
            return []
        return self._usage_lines([command.root], sender)

    def _usage_lines(self, path: list[CommandNode], sender: CommandSender | None) -> list[str]:
        level = sender.permission_level if sender is not None else 4
        lines: list[str] = []

        def walk(node: CommandNode, prefix: str) -> None:
            if node.executor is not None:
                lines.append(prefix)
            for child in node.visible_children(level):
                walk(child, f"{prefix} {child.usage_token}")

        walk(path[-1], " ".join(node.usage_token for node in path))
        return lines

    def _send_usage(self, sender: CommandSender, command: Command,
                    path: list[CommandNode]) -> None:
        for line in self._usage_lines(path, sender)[:8]:
            sender.send_message(TextComponent.of(f"Usage: {line}", color="gray"), "feedback")

    def complete(self, line: str, sender: CommandSender | None = None) -> list[str]:
        """Complete the last word of ``line`` (command names, literals, values).

        Args:
            line: What has been typed so far (a leading ``/`` is kept).
            sender: If given, only what the sender may use is offered.

        Returns:
            Whole lines (``line`` with its last word completed), sorted.
        """
        slash = "/" if line.startswith("/") else ""
        body = line[len(slash):]
        level = sender.permission_level if sender is not None else 4
        if " " not in body:
            prefix = body.lower()
            return sorted(
                slash + name
                for name, command in self._by_name.items()
                if name.startswith(prefix) and (sender is None or self.can_use(sender, command))
            )
        words = body.split(" ")
        command = self.get(words[0])
        if command is None or (sender is not None and not self.can_use(sender, command)):
            return []
        source = ParseSource(sender if sender is not None else _AnySender(), self._players())
        node = command.root
        for word in words[1:-1]:
            step = self._complete_step(node, word, level, source)
            if step is None:
                return []
            node = step
        partial = words[-1]
        options: set[str] = set()
        for child in node.visible_children(level):
            if child.is_literal:
                if child.name.startswith(partial.lower()):
                    options.add(child.name)
            elif child.arg_type is not None:
                options.update(child.arg_type.suggest(partial, source))
        head = slash + " ".join(words[:-1]) + " "
        return sorted(head + option for option in options)

    def _complete_step(self, node: CommandNode, word: str, level: int,
                       source: ParseSource) -> CommandNode | None:
        for child in node.visible_children(level):
            if child.is_literal:
                if child.name == word.lower():
                    return child
            elif child.arg_type is not None and not child.arg_type.greedy:
                try:
                    reader = StringReader(word)
                    child.arg_type.parse(reader, source)
                except ArgumentError:
                    continue
                if reader.at_end:
                    return child
        return None


class _AnySender(CommandSender):
    """Stands in for "any sender" when completing without one: sees everything."""

    name = "Server"

    @property
    def permission_level(self) -> int:
        return 4

    def send_message(self, text: TextComponent | str, kind: str = "feedback") -> None:
        """Completion never sends anything."""
