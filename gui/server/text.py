"""Text components: the host-side model of Pumpkin's ``text-component``.

A :class:`TextComponent` is a run of text with an optional style (colour and
format flags) and children that inherit that style, like Minecraft's chat
components. It converts to and from the three forms the project meets:

- Minecraft JSON text (``to_json`` / ``from_json``), what plugins exchange;
- legacy ``§`` codes (``legacy`` / ``from_legacy``), what old plugins and
  ``server.properties`` MOTDs use; hex colours use the BungeeCord form
  ``§x§r§r§g§g§b§b`` since vanilla legacy codes have none;
- ANSI escapes (``ansi``) for a terminal, and plain text (``plain``).

Translation components are not modelled: JSON ``translate`` reads as its
``fallback`` (or the key) so nothing is lost silently.
"""

from __future__ import annotations

import copy as _copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

# Minecraft's sixteen named colours and their legacy code characters.
NAMED_COLORS: dict[str, str] = {
    "black": "0",
    "dark_blue": "1",
    "dark_green": "2",
    "dark_aqua": "3",
    "dark_red": "4",
    "dark_purple": "5",
    "gold": "6",
    "gray": "7",
    "dark_gray": "8",
    "blue": "9",
    "green": "a",
    "aqua": "b",
    "red": "c",
    "light_purple": "d",
    "yellow": "e",
    "white": "f",
}
_COLOR_BY_CODE = {code: name for name, code in NAMED_COLORS.items()}

# Format flags in a fixed order, with their legacy code characters.
FORMAT_FLAGS: dict[str, str] = {
    "obfuscated": "k",
    "bold": "l",
    "strikethrough": "m",
    "underlined": "n",
    "italic": "o",
}
_FLAG_BY_CODE = {code: name for name, code in FORMAT_FLAGS.items()}

# Closest colours of a 16-colour terminal (SGR foreground codes).
_ANSI_COLORS: dict[str, int] = {
    "black": 30,
    "dark_blue": 34,
    "dark_green": 32,
    "dark_aqua": 36,
    "dark_red": 31,
    "dark_purple": 35,
    "gold": 33,
    "gray": 37,
    "dark_gray": 90,
    "blue": 94,
    "green": 92,
    "aqua": 96,
    "red": 91,
    "light_purple": 95,
    "yellow": 93,
    "white": 97,
}
_ANSI_FLAGS: dict[str, int] = {"bold": 1, "italic": 3, "underlined": 4, "strikethrough": 9}

_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def normalize_color(color: str | None) -> str | None:
    """Return ``color`` in canonical form (lower-case name or ``#rrggbb``).

    Args:
        color: A named colour (``"red"``, ``"dark_aqua"``; ``-`` is accepted
            for ``_`` as in Pumpkin's WIT enum), ``"#rrggbb"``, ``"reset"``
            or ``None``.

    Returns:
        The canonical colour, or ``None`` for ``None`` and ``"reset"``.

    Raises:
        ValueError: ``color`` is neither a named colour nor ``#rrggbb``.
    """
    if color is None:
        return None
    name = color.strip().lower().replace("-", "_")
    if name == "reset":
        return None
    if name in NAMED_COLORS:
        return name
    if _HEX_COLOR.fullmatch(name):
        return name
    raise ValueError(
        f"Unknown text colour {color!r}: use a Minecraft colour name "
        f"({', '.join(NAMED_COLORS)}) or #rrggbb"
    )


@dataclass(frozen=True)
class _Style:
    """The effective style of one run of text (inheritance resolved)."""

    color: str | None = None
    bold: bool = False
    italic: bool = False
    underlined: bool = False
    strikethrough: bool = False
    obfuscated: bool = False

    def flags(self) -> list[str]:
        return [name for name in FORMAT_FLAGS if getattr(self, name)]


@dataclass
class TextComponent:
    """A styled run of text with children, like a Minecraft chat component.

    ``None`` for the colour or a flag means "inherit from the parent";
    children are rendered after ``text`` in order.

    Attributes:
        text: This component's own text.
        color: Named colour (``"red"``) or ``"#rrggbb"``; ``None`` inherits.
        bold: Bold flag; ``None`` inherits.
        italic: Italic flag; ``None`` inherits.
        underlined: Underline flag; ``None`` inherits.
        strikethrough: Strikethrough flag; ``None`` inherits.
        obfuscated: Obfuscated ("magic") flag; ``None`` inherits.
        children: Components appended after ``text`` (JSON ``extra``).
    """

    text: str = ""
    color: str | None = None
    bold: bool | None = None
    italic: bool | None = None
    underlined: bool | None = None
    strikethrough: bool | None = None
    obfuscated: bool | None = None
    children: list[TextComponent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.color = normalize_color(self.color)

    # -- construction -----------------------------------------------------

    @classmethod
    def of(cls, text: str, color: str | None = None, **flags: bool) -> TextComponent:
        """Shortcut for a single run of text.

        Args:
            text: The text.
            color: Optional colour.
            **flags: Optional format flags (``bold=True``...).

        Returns:
            The new component.
        """
        return cls(text=text, color=color, **flags)

    def append(self, child: TextComponent | str) -> TextComponent:
        """Add a child (a string becomes an unstyled child) and return ``self``."""
        self.children.append(TextComponent(text=child) if isinstance(child, str) else child)
        return self

    def copy(self) -> TextComponent:
        """Return a deep copy (children included)."""
        return _copy.deepcopy(self)

    # -- plain and styled runs --------------------------------------------

    def plain(self) -> str:
        """Return the text of this component and all its children, unstyled."""
        return self.text + "".join(child.plain() for child in self.children)

    def _runs(self, parent: _Style = _Style()) -> Iterator[tuple[str, _Style]]:
        """Yield ``(text, effective style)`` for every non-empty run, in order."""
        style = _Style(
            color=self.color if self.color is not None else parent.color,
            **{
                name: (getattr(self, name) if getattr(self, name) is not None
                       else getattr(parent, name))
                for name in FORMAT_FLAGS
            },
        )
        if self.text:
            yield self.text, style
        for child in self.children:
            yield from child._runs(style)

    # -- legacy codes -----------------------------------------------------

    def legacy(self, code: str = "§") -> str:
        """Render with legacy colour and format codes.

        A colour code resets the format flags (as in the game), so flags are
        re-emitted after every colour change; turning a flag off needs a
        reset code (``§r``).

        Args:
            code: The code character, ``"§"`` or ``"&"`` usually.

        Returns:
            The legacy-formatted string.
        """
        out: list[str] = []
        current = _Style()
        for text, style in self._runs():
            if style != current:
                added = set(style.flags()) - set(current.flags())
                removed = set(current.flags()) - set(style.flags())
                if style.color == current.color and not removed:
                    out.extend(code + FORMAT_FLAGS[name] for name in FORMAT_FLAGS
                               if name in added)
                else:
                    if style.color is None:
                        out.append(code + "r")
                    else:
                        out.append(_legacy_color(style.color, code))
                    out.extend(code + FORMAT_FLAGS[name] for name in style.flags())
                current = style
            out.append(text)
        return "".join(out)

    @classmethod
    def from_legacy(cls, text: str, code: str = "§") -> TextComponent:
        """Parse a string with legacy colour and format codes.

        An unknown code (or a code character at the very end) is kept as
        literal text.

        Args:
            text: The legacy-formatted string.
            code: The code character.

        Returns:
            A component whose children are the styled runs (or a single
            component when the string has one run).
        """
        runs: list[TextComponent] = []
        style = _Style()
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                runs.append(_component_for("".join(buffer), style))
                buffer.clear()

        i = 0
        while i < len(text):
            char = text[i]
            if char != code or i + 1 >= len(text):
                buffer.append(char)
                i += 1
                continue
            key = text[i + 1].lower()
            hex_color = _read_bungee_hex(text, i, code)
            if hex_color is not None:
                flush()
                style = _Style(color=hex_color)
                i += 14
            elif key in _COLOR_BY_CODE:
                flush()
                style = _Style(color=_COLOR_BY_CODE[key])
                i += 2
            elif key in _FLAG_BY_CODE:
                flush()
                style = _Style(**{**style.__dict__, _FLAG_BY_CODE[key]: True})
                i += 2
            elif key == "r":
                flush()
                style = _Style()
                i += 2
            else:
                buffer.append(char)
                i += 1
        flush()
        if len(runs) == 1:
            return runs[0]
        return cls(children=runs)

    # -- JSON ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the Minecraft JSON object form (unset fields omitted)."""
        data: dict[str, Any] = {"text": self.text}
        if self.color is not None:
            data["color"] = self.color
        for name in FORMAT_FLAGS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.children:
            data["extra"] = [child.to_dict() for child in self.children]
        return data

    def to_json(self) -> str:
        """Serialize to Minecraft JSON text (always an object with ``text``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_data(cls, data: Any) -> TextComponent:
        """Build a component from decoded Minecraft JSON text.

        Args:
            data: A string (or number/bool), an object with ``text``, style
                keys and ``extra``, or a list (the first element is the parent
                of the others, as in the game).

        Returns:
            The component.

        Raises:
            ValueError: The data is not a valid text component.
        """
        if isinstance(data, str):
            return cls(text=data)
        if isinstance(data, bool):
            return cls(text="true" if data else "false")
        if isinstance(data, int | float):
            return cls(text=str(data))
        if isinstance(data, list):
            if not data:
                raise ValueError("A text component list must not be empty")
            parent = cls.from_data(data[0])
            parent.children.extend(cls.from_data(item) for item in data[1:])
            return parent
        if not isinstance(data, dict):
            raise ValueError(f"A text component must be a string, object or list, "
                             f"not {type(data).__name__}")
        if "text" in data:
            text = data["text"]
        elif "translate" in data:
            text = data.get("fallback", data["translate"])
        else:
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"Text component 'text' must be a string, not {text!r}")
        color = data.get("color")
        if color is not None and not isinstance(color, str):
            raise ValueError(f"Text colour must be a string, not {color!r}")
        flags: dict[str, bool | None] = {}
        for name in FORMAT_FLAGS:
            value = data.get(name)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"Text flag {name!r} must be true or false, not {value!r}")
            flags[name] = value
        extra = data.get("extra", [])
        if not isinstance(extra, list):
            raise ValueError("Text component 'extra' must be a list")
        return cls(
            text=text,
            color=color,
            children=[cls.from_data(item) for item in extra],
            **flags,
        )

    @classmethod
    def from_json(cls, text: str) -> TextComponent:
        """Parse Minecraft JSON text.

        Args:
            text: JSON: a string, an object or a list.

        Returns:
            The component.

        Raises:
            ValueError: The text is not JSON or not a valid text component.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Invalid JSON text component: {exc}") from exc
        return cls.from_data(data)

    # -- terminal ---------------------------------------------------------

    def ansi(self) -> str:
        """Render for a terminal with ANSI SGR escapes (24-bit for hex colours)."""
        out: list[str] = []
        styled = False
        for text, style in self._runs():
            codes: list[str] = []
            if style.color in _ANSI_COLORS:
                codes.append(str(_ANSI_COLORS[style.color]))
            elif style.color is not None:
                red, green, blue = (int(style.color[i:i + 2], 16) for i in (1, 3, 5))
                codes.append(f"38;2;{red};{green};{blue}")
            codes.extend(str(_ANSI_FLAGS[name]) for name in style.flags() if name in _ANSI_FLAGS)
            if codes:
                out.append(f"\x1b[0;{';'.join(codes)}m")
                styled = True
            elif styled:
                out.append("\x1b[0m")
                styled = False
            out.append(text)
        if styled:
            out.append("\x1b[0m")
        return "".join(out)


def _legacy_color(color: str, code: str) -> str:
    if color in NAMED_COLORS:
        return code + NAMED_COLORS[color]
    return code + "x" + "".join(code + digit for digit in color[1:])


def _read_bungee_hex(text: str, start: int, code: str) -> str | None:
    """Read ``§x§r§r§g§g§b§b`` at ``start``; return ``#rrggbb`` or ``None``."""
    chunk = text[start:start + 14]
    if len(chunk) < 14 or chunk[1].lower() != "x":
        return None
    if any(chunk[i] != code for i in range(2, 14, 2)):
        return None
    digits = "".join(chunk[i] for i in range(3, 14, 2))
    if not re.fullmatch(r"[0-9a-fA-F]{6}", digits):
        return None
    return "#" + digits.lower()


def _component_for(text: str, style: _Style) -> TextComponent:
    flags = {name: True for name in style.flags()}
    return TextComponent(text=text, color=style.color, **flags)


# Field names, for callers (e.g. the host API) that copy styles generically.
STYLE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(TextComponent) if f.name not in ("text", "children")
)
