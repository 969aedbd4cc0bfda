"""The command tree: commands, their literal and argument nodes, and what an executor gets.

A :class:`Command` has names (primary first, then aliases), an owner
(``"builtin"`` or a plugin), a required op level and a root
:class:`CommandNode`. Nodes are literals (``reload``) or arguments
(``<amount>`` parsed by an :class:`~gui.server.arguments.ArgumentType`); a
node with an executor ends a valid command. The dispatcher that runs command
lines over these trees is :class:`gui.server.commands.CommandDispatcher`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from gui.server.arguments import ArgumentType, ParsedArgument
from gui.server.senders import CommandSender
from gui.server.text import TextComponent

Executor = Callable[["CommandContext"], Awaitable[int | None]]


class CommandNode:
    """A node of a command tree: a literal word or a typed argument.

    Attributes:
        name: The literal word, or the argument's name.
        arg_type: The argument's type; ``None`` for a literal.
        children: The nodes that may follow, literals tried first.
        executor: Runs the command when input ends at this node.
        requirement: The minimum op level to see and use this node.
    """

    def __init__(
        self,
        name: str,
        arg_type: ArgumentType | None = None,
        *,
        executor: Executor | None = None,
        requirement: int = 0,
    ) -> None:
        """Create a node (prefer :meth:`literal` and :meth:`argument`)."""
        if not name or " " in name:
            raise ValueError(f"A command node name must be one word, not {name!r}")
        self.name = name.lower() if arg_type is None else name
        self.arg_type = arg_type
        self.children: list[CommandNode] = []
        self.executor = executor
        self.requirement = requirement

    @classmethod
    def literal(cls, name: str, *, executor: Executor | None = None,
                requirement: int = 0) -> CommandNode:
        """A literal word, matched case-insensitively."""
        return cls(name, None, executor=executor, requirement=requirement)

    @classmethod
    def argument(cls, name: str, arg_type: ArgumentType, *, executor: Executor | None = None,
                 requirement: int = 0) -> CommandNode:
        """An argument named ``name`` parsed by ``arg_type``."""
        return cls(name, arg_type, executor=executor, requirement=requirement)

    @property
    def is_literal(self) -> bool:
        return self.arg_type is None

    @property
    def usage_token(self) -> str:
        """``name`` for a literal, ``<name>`` for an argument."""
        return self.name if self.is_literal else f"<{self.name}>"

    def then(self, *nodes: CommandNode) -> CommandNode:
        """Add children; return ``self`` for chaining."""
        self.children.extend(nodes)
        return self

    def executes(self, executor: Executor) -> CommandNode:
        """Set the executor; return ``self`` for chaining."""
        self.executor = executor
        return self

    def requires(self, level: int) -> CommandNode:
        """Set the minimum op level; return ``self`` for chaining."""
        self.requirement = level
        return self

    def visible_children(self, level: int) -> list[CommandNode]:
        """Children usable at op ``level``, literals first."""
        usable = [c for c in self.children if c.requirement <= level]
        return [c for c in usable if c.is_literal] + [c for c in usable if not c.is_literal]

    def __repr__(self) -> str:
        return f"CommandNode({self.usage_token!r}, children={len(self.children)})"


@dataclass
class Command:
    """A command: names, owner, requirements and its tree.

    Attributes:
        names: Primary name first, then aliases (lower case, one word each).
        description: One line for ``help``.
        permission_level: Minimum op level, 0-4.
        permission: Permission node checked too, when it is registered.
        owner: ``"builtin"`` or the plugin that registered the command.
        root: The literal node of the primary name (made if not given).
    """

    names: list[str]
    description: str = ""
    permission_level: int = 0
    permission: str = ""
    owner: str = "builtin"
    root: CommandNode = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if isinstance(self.names, str):
            self.names = [self.names]
        if not self.names:
            raise ValueError("A command needs at least one name")
        self.names = [name.lower() for name in self.names]
        for name in self.names:
            if not name or any(c.isspace() for c in name) or name.startswith("/"):
                raise ValueError(f"Invalid command name {name!r}: one word, no leading '/'")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"Command {self.names[0]!r} lists a name twice: {self.names}")
        if not 0 <= self.permission_level <= 4:
            raise ValueError(f"Command {self.names[0]!r}: permission level must be 0-4")
        if self.root is None:
            self.root = CommandNode.literal(self.names[0])

    @property
    def name(self) -> str:
        """The primary name."""
        return self.names[0]

    @property
    def aliases(self) -> list[str]:
        return self.names[1:]

    def then(self, *nodes: CommandNode) -> Command:
        """Add children to the root; return ``self`` for chaining."""
        self.root.then(*nodes)
        return self

    def executes(self, executor: Executor) -> Command:
        """Set the root's executor (the command without arguments)."""
        self.root.executes(executor)
        return self


@dataclass
class CommandContext:
    """What an executor gets.

    Attributes:
        sender: Who runs the command.
        server: The server instance (``None`` in bare dispatcher tests).
        args: Parsed arguments by node name.
        raw: The command line as run (without a leading ``/``).
        command: The command being run.
        label: The name or alias that was typed.
    """

    sender: CommandSender
    server: Any
    args: dict[str, ParsedArgument]
    raw: str
    command: Command
    label: str = ""

    def __getitem__(self, name: str) -> Any:
        """The value of argument ``name`` (KeyError if it was not given)."""
        return self.args[name].value

    def get(self, name: str, default: Any = None) -> Any:
        """The value of argument ``name``, or ``default``."""
        parsed = self.args.get(name)
        return parsed.value if parsed is not None else default

    def reply(self, text: TextComponent | str) -> None:
        """Send feedback to the sender."""
        self.sender.send_message(text, "feedback")
