"""NBT for the network: registry entries and text components, with amulet-nbt.

Since 1.20.2 the network carries "anonymous" NBT: the root tag's type byte,
then its payload, with no root name. amulet-nbt writes a named root, so the
(empty) name's two length bytes are cut out. Strings are Java's modified
UTF-8, as the client reads them.
"""

from __future__ import annotations

from typing import Any

import amulet_nbt as nbt
from mutf8 import encode_modified_utf8

from gui.server.text import TextComponent

_SCALARS = {
    "byte": nbt.ByteTag, "short": nbt.ShortTag, "int": nbt.IntTag, "long": nbt.LongTag,
    "float": nbt.FloatTag, "double": nbt.DoubleTag, "string": nbt.StringTag,
}
_ARRAYS = {"byteArray": nbt.ByteArrayTag, "intArray": nbt.IntArrayTag,
           "longArray": nbt.LongArrayTag}


def from_prismarine(value: dict[str, Any]) -> Any:
    """The amulet tag for prismarine-nbt's JSON form (``{"type": ..., "value": ...}``).

    Raises:
        ValueError: An unknown tag type.
    """
    kind, body = value["type"], value["value"]
    if kind in _SCALARS:
        return _SCALARS[kind](body)
    if kind in _ARRAYS:
        return _ARRAYS[kind](body)
    if kind == "compound":
        return nbt.CompoundTag({key: from_prismarine(item) for key, item in body.items()})
    if kind == "list":
        item_type, items = body["type"], body["value"]
        if item_type == "end" or not items:
            return nbt.ListTag([])
        return nbt.ListTag([from_prismarine({"type": item_type, "value": item})
                            for item in items])
    raise ValueError(f"Unknown NBT tag type {kind!r}")


def network_bytes(tag: Any) -> bytes:
    """``tag`` as anonymous network NBT."""
    named = tag.to_nbt(compressed=False, little_endian=False,
                       string_encoder=encode_modified_utf8, name="")
    return named[:1] + named[3:]  # drop the root name's (zero) length


def _text_tag(data: Any) -> Any:
    if isinstance(data, str):
        return nbt.StringTag(data)
    if isinstance(data, bool):
        return nbt.ByteTag(1 if data else 0)
    if isinstance(data, list):
        # An NBT list holds one tag type: components are compounds.
        return nbt.ListTag([_text_tag(item if isinstance(item, dict) else {"text": str(item)})
                            for item in data])
    if isinstance(data, dict):
        return nbt.CompoundTag({key: _text_tag(item) for key, item in data.items()})
    return nbt.StringTag(str(data))


def text_bytes(text: TextComponent) -> bytes:
    """A text component as the anonymous NBT that chat, titles and kicks carry."""
    return network_bytes(_text_tag(text.to_dict()))
