"""Command argument types, the parsers behind Brigadier-like argument nodes.

Each type is named after Pumpkin's WIT ``argument-type`` case (``integer``,
``game-profile``, ``position3d``...); that name is the ``kind`` of the
:class:`ParsedArgument` it produces. A parser reads from a
:class:`StringReader` and raises :class:`ArgumentError` with a short reason
("Expected integer"); the dispatcher adds the argument name and position.

Values by kind:

- ``bool`` -> bool; ``integer``/``long`` -> int; ``float``/``double`` -> float
- ``string``, ``message`` -> str; ``gamemode`` -> str (``"creative"``...)
- ``players``, ``entity``, ``entities`` -> list[Player] (``entity``: exactly one)
- ``game-profile`` -> list[GameProfile] (offline players allowed)
- ``uuid`` -> uuid.UUID; ``position3d`` -> (x, y, z) floats;
  ``block-pos`` -> (x, y, z) ints. ``~`` is relative to nothing (0) since
  senders have no position yet: ``~5`` reads as 5.
"""

from __future__ import annotations

import random
import re
import uuid as _uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from gui.errors import PumpkinPatchError
from gui.server.players import GameProfile, Player, PlayerList, is_valid_name

if TYPE_CHECKING:
    from gui.server.senders import CommandSender

GAMEMODES: tuple[str, ...] = ("survival", "creative", "adventure", "spectator")
SELECTORS: tuple[str, ...] = ("@a", "@e", "@p", "@r", "@s")
INT_RANGE = (-(2**31), 2**31 - 1)
LONG_RANGE = (-(2**63), 2**63 - 1)
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class ArgumentError(PumpkinPatchError):
    """An argument could not be parsed; the message says why, briefly."""


@dataclass(frozen=True)
class ParsedArgument:
    """One parsed argument: its type name (``kind``) and its value."""

    kind: str
    value: Any


@dataclass(frozen=True)
class ParseSource:
    """What argument parsers may look at: who runs the command, who is online."""

    sender: CommandSender
    players: PlayerList


class StringReader:
    """A cursor over a command line."""

    def __init__(self, text: str, cursor: int = 0) -> None:
        self.text = text
        self.cursor = cursor

    @property
    def at_end(self) -> bool:
        return self.cursor >= len(self.text)

    def peek(self) -> str:
        """The character at the cursor, or ``""`` at the end."""
        return self.text[self.cursor] if not self.at_end else ""

    def read_word(self) -> str:
        """Read up to the next space (or the end)."""
        end = self.text.find(" ", self.cursor)
        end = len(self.text) if end < 0 else end
        word = self.text[self.cursor:end]
        self.cursor = end
        return word

    def read_rest(self) -> str:
        """Read everything left."""
        rest = self.text[self.cursor:]
        self.cursor = len(self.text)
        return rest

    def expect_space(self, what: str) -> None:
        """Consume one space separating parts of one argument."""
        if self.peek() != " ":
            raise ArgumentError(f"Expected {what}")
        self.cursor += 1

    def read_quoted(self) -> str:
        """Read a ``"..."`` or ``'...'`` string with ``\\`` escapes."""
        quote = self.peek()
        self.cursor += 1
        out: list[str] = []
        while not self.at_end:
            char = self.text[self.cursor]
            self.cursor += 1
            if char == "\\":
                if self.at_end or self.text[self.cursor] not in (quote, "\\"):
                    raise ArgumentError(f"Invalid escape in quoted string (use \\\\ or \\{quote})")
                out.append(self.text[self.cursor])
                self.cursor += 1
            elif char == quote:
                return "".join(out)
            else:
                out.append(char)
        raise ArgumentError("Unclosed quoted string")


class ArgumentType:
    """Base of argument types; subclasses set ``name`` and implement ``parse``."""

    name: ClassVar[str] = ""

    def parse(self, reader: StringReader, source: ParseSource) -> Any:
        """Read one argument at the reader's cursor.

        Raises:
            ArgumentError: The text there is not a valid value.
        """
        raise NotImplementedError

    def suggest(self, partial: str, source: ParseSource) -> list[str]:
        """Values starting with ``partial`` to offer for completion."""
        return []

    @property
    def greedy(self) -> bool:
        """Whether the argument takes the rest of the line."""
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BoolArgument(ArgumentType):
    """``true`` or ``false``."""

    name = "bool"

    def parse(self, reader: StringReader, source: ParseSource) -> bool:
        word = reader.read_word()
        if word.lower() not in ("true", "false"):
            raise ArgumentError("Expected true or false")
        return word.lower() == "true"

    def suggest(self, partial: str, source: ParseSource) -> list[str]:
        return [v for v in ("true", "false") if v.startswith(partial.lower())]


class _NumberArgument(ArgumentType):
    label: ClassVar[str] = ""
    pattern: ClassVar[re.Pattern[str]] = _INT
    limits: ClassVar[tuple[float, float] | None] = None

    def __init__(self, min: float | None = None, max: float | None = None) -> None:
        if min is not None and max is not None and min > max:
            raise ValueError(f"{self.label} argument: min {min} is greater than max {max}")
        self.min = min
        self.max = max

    def __repr__(self) -> str:
        return f"{type(self).__name__}(min={self.min!r}, max={self.max!r})"

    def _convert(self, word: str) -> float:
        return float(word)

    def parse(self, reader: StringReader, source: ParseSource) -> Any:
        word = reader.read_word()
        if not self.pattern.fullmatch(word):
            raise ArgumentError(f"Expected {self.label.lower()}")
        value = self._convert(word)
        if self.limits is not None and not self.limits[0] <= value <= self.limits[1]:
            raise ArgumentError(f"Invalid {self.label.lower()} '{word}'")
        if self.min is not None and value < self.min:
            raise ArgumentError(f"{self.label} must not be less than {self.min}, found {word}")
        if self.max is not None and value > self.max:
            raise ArgumentError(f"{self.label} must not be more than {self.max}, found {word}")
        return value


class IntegerArgument(_NumberArgument):
    """A 32-bit integer, optionally bounded."""

    name = "integer"
    label = "Integer"
    limits = INT_RANGE

    def _convert(self, word: str) -> int:
        return int(word)


class LongArgument(IntegerArgument):
    """A 64-bit integer, optionally bounded."""

    name = "long"
    label = "Long"
    limits = LONG_RANGE


class FloatArgument(_NumberArgument):
    """A decimal number, optionally bounded."""

    name = "float"
    label = "Float"
    pattern = _FLOAT


class DoubleArgument(FloatArgument):
    """A decimal number, optionally bounded."""

    name = "double"
    label = "Double"


STRING_MODES: tuple[str, ...] = ("single-word", "quotable", "greedy")


class StringArgument(ArgumentType):
    """Text: one word, a word or a quoted string, or the rest of the line."""

    name = "string"

    def __init__(self, mode: str = "single-word") -> None:
        if mode not in STRING_MODES:
            raise ValueError(f"String argument mode must be one of {', '.join(STRING_MODES)}, "
                             f"not {mode!r}")
        self.mode = mode

    def __repr__(self) -> str:
        return f"StringArgument({self.mode!r})"

    @property
    def greedy(self) -> bool:
        return self.mode == "greedy"

    def parse(self, reader: StringReader, source: ParseSource) -> str:
        if self.mode == "greedy":
            text = reader.read_rest()
        elif self.mode == "quotable" and reader.peek() in ('"', "'"):
            return reader.read_quoted()
        else:
            text = reader.read_word()
        if not text:
            raise ArgumentError("Expected text")
        return text


class MessageArgument(ArgumentType):
    """The rest of the line, as a chat message."""

    name = "message"

    @property
    def greedy(self) -> bool:
        return True

    def parse(self, reader: StringReader, source: ParseSource) -> str:
        text = reader.read_rest()
        if not text.strip():
            raise ArgumentError("Expected a message")
        return text


class GamemodeArgument(ArgumentType):
    """``survival``, ``creative``, ``adventure`` or ``spectator``."""

    name = "gamemode"

    def parse(self, reader: StringReader, source: ParseSource) -> str:
        word = reader.read_word().lower()
        if word not in GAMEMODES:
            raise ArgumentError(f"Unknown game mode '{word}' (use {', '.join(GAMEMODES)})")
        return word

    def suggest(self, partial: str, source: ParseSource) -> list[str]:
        return [mode for mode in GAMEMODES if mode.startswith(partial.lower())]


class UuidArgument(ArgumentType):
    """A UUID such as ``069a79f4-44e9-4726-a5be-fca90e38aaf5``."""

    name = "uuid"

    def parse(self, reader: StringReader, source: ParseSource) -> _uuid.UUID:
        word = reader.read_word()
        try:
            return _uuid.UUID(word)
        except ValueError:
            raise ArgumentError(f"Invalid UUID '{word}'") from None


class _CoordinatesArgument(ArgumentType):
    integers: ClassVar[bool] = False

    def parse(self, reader: StringReader, source: ParseSource) -> tuple[Any, Any, Any]:
        values = []
        for axis in range(3):
            if axis:
                reader.expect_space("three coordinates (x y z)")
            word = reader.read_word()
            if not word:
                raise ArgumentError("Expected three coordinates (x y z)")
            if word.startswith("^"):
                raise ArgumentError("Local coordinates (^) are not supported; use numbers or ~")
            relative = word.startswith("~")
            number = word[1:] if relative else word
            if relative and not number:
                values.append(0 if self.integers else 0.0)
                continue
            pattern = _INT if self.integers else _FLOAT
            if not pattern.fullmatch(number):
                expected = "an integer" if self.integers else "a number"
                raise ArgumentError(f"Invalid coordinate '{word}' (expected {expected} or ~)")
            values.append(int(number) if self.integers else float(number))
        return values[0], values[1], values[2]


class Position3dArgument(_CoordinatesArgument):
    """Three decimal coordinates ``x y z``."""

    name = "position3d"


class BlockPosArgument(_CoordinatesArgument):
    """Three integer coordinates ``x y z``."""

    name = "block-pos"
    integers = True


class _TargetArgument(ArgumentType):
    single: ClassVar[bool] = False

    def _select(self, word: str, source: ParseSource) -> list[Player]:
        if word in ("@a", "@e"):
            return list(source.players)
        if word in ("@p", "@s"):
            player = source.sender.player
            if player is None:
                raise ArgumentError(f"Selector {word} needs a player, but "
                                    f"'{source.sender.name}' is not one")
            return [player]
        if word == "@r":
            players = list(source.players)
            return [random.choice(players)] if players else []
        if word.startswith("@"):
            raise ArgumentError(f"Unknown selector '{word}' (use {', '.join(SELECTORS)})")
        raise AssertionError(word)

    def _read(self, reader: StringReader) -> str:
        word = reader.read_word()
        if not word:
            raise ArgumentError("Expected a player name or selector")
        if not word.startswith("@") and not is_valid_name(word):
            raise ArgumentError(f"Invalid player name '{word}'")
        return word

    def _check_count(self, word: str, count: int) -> None:
        if count == 0:
            raise ArgumentError("No player was found")
        if self.single and count > 1:
            raise ArgumentError(f"Only one player is allowed, but '{word}' matches {count}")

    def parse(self, reader: StringReader, source: ParseSource) -> list[Player]:
        word = self._read(reader)
        if word.startswith("@"):
            players = self._select(word, source)
        else:
            player = source.players.get(word)
            if player is None:
                raise ArgumentError(f"No player named '{word}' is online")
            players = [player]
        self._check_count(word, len(players))
        return players

    def suggest(self, partial: str, source: ParseSource) -> list[str]:
        options = [*source.players.names(), *SELECTORS]
        return [o for o in options if o.lower().startswith(partial.lower())]


class PlayersArgument(_TargetArgument):
    """One or more online players: a name or a selector."""

    name = "players"


class EntitiesArgument(_TargetArgument):
    """One or more entities (players are the only entities here)."""

    name = "entities"


class EntityArgument(_TargetArgument):
    """Exactly one entity (an online player)."""

    name = "entity"
    single = True


class GameProfileArgument(_TargetArgument):
    """Player profiles: online players or, by name, offline ones (offline mode)."""

    name = "game-profile"

    def parse(self, reader: StringReader, source: ParseSource) -> list[GameProfile]:
        word = self._read(reader)
        if word.startswith("@"):
            profiles = [player.profile for player in self._select(word, source)]
            self._check_count(word, len(profiles))
            return profiles
        player = source.players.get(word)
        return [player.profile if player is not None else GameProfile.offline(word)]


ARGUMENT_TYPES: dict[str, type[ArgumentType]] = {
    cls.name: cls
    for cls in (
        BoolArgument,
        IntegerArgument,
        LongArgument,
        FloatArgument,
        DoubleArgument,
        StringArgument,
        MessageArgument,
        GamemodeArgument,
        UuidArgument,
        Position3dArgument,
        BlockPosArgument,
        PlayersArgument,
        EntitiesArgument,
        EntityArgument,
        GameProfileArgument,
    )
}
