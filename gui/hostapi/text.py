"""Host side of ``pumpkin:plugin/text``: building text components.

Handles of ``text-component`` are host :class:`~gui.server.text.TextComponent`
objects. Styling that only a game client can show (click and hover events,
fonts) is not implemented, so ``plugin api-coverage`` reports it.
"""

from __future__ import annotations

from typing import Any

from wasmtime.component import Variant

from gui.hostapi.base import HostInterface, wit
from gui.server.text import TextComponent


def named_color(color: str) -> str:
    """WIT ``named-color`` ("dark-blue") -> Minecraft colour name ("dark_blue")."""
    return color.replace("-", "_")


def rgb_hex(color: Any) -> str:
    return f"#{color.r:02x}{color.g:02x}{color.b:02x}"


class TextApi(HostInterface):
    interface = "text"

    @wit("[static]text-component.text")
    def text(self, plain: str) -> TextComponent:
        return TextComponent.of(plain)

    @wit("[static]text-component.translate")
    def translate(self, key: str, args: list[TextComponent]) -> TextComponent:
        # No translation tables on this host: show the key, then its arguments.
        return TextComponent(text=key, children=list(args))

    @wit("[static]text-component.from-legacy-string")
    def from_legacy(self, source: str) -> TextComponent:
        return TextComponent.from_legacy(source)

    @wit("[static]text-component.from-legacy-string-with-code")
    def from_legacy_with_code(self, source: str, code: str) -> TextComponent:
        return TextComponent.from_legacy(source, code)

    @wit("[static]text-component.from-json")
    def from_json(self, source: str) -> Variant:
        try:
            return Variant("ok", TextComponent.from_json(source))
        except (ValueError, TypeError) as exc:
            return Variant("err", f"invalid text component JSON: {exc}")

    @wit("[method]text-component.to-json")
    def to_json(self, this: TextComponent) -> str:
        return this.to_json()

    @wit("[method]text-component.add-child")
    def add_child(self, this: TextComponent, child: TextComponent) -> None:
        this.children.append(child)

    @wit("[method]text-component.add-text")
    def add_text(self, this: TextComponent, text: str) -> None:
        this.children.append(TextComponent.of(text))

    @wit("[method]text-component.get-text")
    def get_text(self, this: TextComponent) -> str:
        return this.plain()

    @wit("[method]text-component.encode")
    def encode(self, this: TextComponent) -> bytes:
        return this.to_json().encode("utf-8")

    @wit("[method]text-component.to-pretty-console")
    def to_pretty_console(self, this: TextComponent) -> str:
        return this.ansi()

    @wit("[method]text-component.color-named")
    def color_named(self, this: TextComponent, color: str) -> None:
        this.color = named_color(color)

    @wit("[method]text-component.color-rgb")
    def color_rgb(self, this: TextComponent, color: Any) -> None:
        this.color = rgb_hex(color)

    @wit("[method]text-component.bold")
    def bold(self, this: TextComponent, value: bool) -> None:
        this.bold = value

    @wit("[method]text-component.italic")
    def italic(self, this: TextComponent, value: bool) -> None:
        this.italic = value

    @wit("[method]text-component.underlined")
    def underlined(self, this: TextComponent, value: bool) -> None:
        this.underlined = value

    @wit("[method]text-component.strikethrough")
    def strikethrough(self, this: TextComponent, value: bool) -> None:
        this.strikethrough = value

    @wit("[method]text-component.obfuscated")
    def obfuscated(self, this: TextComponent, value: bool) -> None:
        this.obfuscated = value
