"""TextComponent: JSON, legacy codes, ANSI and plain text."""

from __future__ import annotations

import json

import pytest

from gui.server.text import TextComponent


def sample() -> TextComponent:
    return (
        TextComponent.of("Hello ", color="gold", bold=True)
        .append(TextComponent.of("world", color="#12ABef", italic=True))
        .append("!")
    )


def test_plain_concatenates_children() -> None:
    assert sample().plain() == "Hello world!"


def test_json_round_trip_keeps_everything() -> None:
    component = sample()
    assert TextComponent.from_json(component.to_json()) == component


def test_json_shape_is_minecraft_text() -> None:
    data = json.loads(sample().to_json())
    assert data == {
        "text": "Hello ",
        "color": "gold",
        "bold": True,
        "extra": [
            {"text": "world", "color": "#12abef", "italic": True},
            {"text": "!"},
        ],
    }


def test_from_json_accepts_string_list_and_translate() -> None:
    assert TextComponent.from_json('"hi"') == TextComponent.of("hi")
    listed = TextComponent.from_json('["a", {"text": "b", "color": "red"}]')
    assert listed.plain() == "ab"
    assert listed.children[0].color == "red"
    assert TextComponent.from_json('{"translate": "x.y", "fallback": "Hi"}').plain() == "Hi"


@pytest.mark.parametrize(
    "bad",
    ["{not json", "[]", '{"text": 5}', '{"text": "a", "bold": "yes"}',
     '{"text": "a", "color": "mauve"}', '{"text": "a", "extra": {}}', "null"],
)
def test_from_json_rejects_invalid(bad: str) -> None:
    with pytest.raises(ValueError):
        TextComponent.from_json(bad)


def test_legacy_rendering() -> None:
    assert sample().legacy("&") == "&6&lHello &x&1&2&a&b&e&f&l&oworld&6&l!"


def test_legacy_round_trip() -> None:
    rendered = sample().legacy()
    parsed = TextComponent.from_legacy(rendered)
    assert parsed.plain() == "Hello world!"
    assert parsed.legacy() == rendered


def test_from_legacy_styles_and_reset() -> None:
    parsed = TextComponent.from_legacy("&cRed &lbold&r plain &zodd&", code="&")
    runs = [(c.text, c.color, c.bold) for c in parsed.children]
    assert runs == [("Red ", "red", None), ("bold", "red", True), (" plain &zodd&", None, None)]


def test_single_run_from_legacy_is_one_component() -> None:
    assert TextComponent.from_legacy("§ahi") == TextComponent.of("hi", color="green")


def test_unstyled_text_has_no_codes() -> None:
    assert TextComponent.of("plain").legacy() == "plain"
    assert TextComponent.of("plain").ansi() == "plain"


def test_ansi_uses_colours_and_resets() -> None:
    component = TextComponent.of("x", color="red", bold=True)
    rendered = component.append(TextComponent.of("y", "#ff0000")).ansi()
    assert rendered == "\x1b[0;91;1mx\x1b[0;38;2;255;0;0;1my\x1b[0m"


def test_colour_validation_and_normalisation() -> None:
    assert TextComponent.of("a", color="Dark-Aqua").color == "dark_aqua"
    assert TextComponent.of("a", color="reset").color is None
    with pytest.raises(ValueError, match="Unknown text colour"):
        TextComponent.of("a", color="mauve")


def test_copy_is_deep() -> None:
    original = sample()
    clone = original.copy()
    clone.children[0].text = "there"
    assert original.plain() == "Hello world!"
    assert clone.plain() == "Hello there!"
