"""Small WIT value shapes shared by several host interfaces (uuid, permission levels)."""

from __future__ import annotations

import uuid
from typing import Any

from wasmtime.component import Record, Variant

PERMISSION_LEVELS = ("zero", "one", "two", "three", "four")


def wit_record(**fields: Any) -> Record:
    """A WIT record from Python keyword names: ``block_id`` becomes the field ``block-id``.

    wasmtime lowers a record by its WIT field names, which are kebab-case; a
    Python attribute ``record.block_id`` would be missed and trap the call.
    """
    record = Record()
    for name, value in fields.items():
        setattr(record, name.replace("_", "-"), value)
    return record


def ok(value: Any = None) -> Variant:
    """A result's ``ok`` case, spelled out (needed where the error is a variant)."""
    return Variant("ok", value)


def err(case: str, payload: Any = None) -> Variant:
    """A result's ``err`` case holding the error variant's ``case``."""
    return Variant("err", Variant(case, payload))


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace made one space), cut to ``limit`` characters."""
    return shorten(" ".join(text.split()), limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def uuid_record(value: uuid.UUID) -> Record:
    """``uuid.uuid`` record: the 128 bits as two u64 halves."""
    return wit_record(high=value.int >> 64, low=value.int & ((1 << 64) - 1))


def position_tuple(position: Any) -> tuple[float, float, float]:
    """``common.position`` (a tuple of three f64) of a world position."""
    x, y, z = position
    return float(x), float(y), float(z)


def block_pos(record: Any) -> tuple[int, int, int]:
    """A ``block-pos`` record as a tuple."""
    return int(record.x), int(record.y), int(record.z)


def uuid_from_record(record: Any) -> uuid.UUID:
    return uuid.UUID(int=(record.high << 64) | record.low)


def level_name(level: int) -> str:
    return PERMISSION_LEVELS[max(0, min(4, level))]


def level_number(name: str) -> int:
    return PERMISSION_LEVELS.index(name)
