"""The C value codec on its own: values it must refuse without harm, and plan lifetimes.

These call ``_valcodec`` directly on C value slots (no component), for inputs a
real component rarely produces but a plugin's host code could: a surrogate
``char`` (wasmtime's C API would abort the process on it), a flag name that
cannot be encoded, a Variant whose payload is computed, a list that changes
while it is being lowered.
"""

from __future__ import annotations

import ctypes
import gc
import weakref

import pytest
from wasmtime import _ffi as ffi
from wasmtime.component import Variant

from gui.runtime import codec

native = codec.native
Val = ffi.wasmtime_component_val_t


# Importing gui.runtime.codec hands wasmtime's C functions to _valcodec (setup).
assert codec.internals_present() == []


def lower(plan: native.Plan, value: object):
    slots = (Val * 1)()
    native.lower_into((plan,), (value,), ctypes.addressof(slots), 0, None, [])
    return slots


def roundtrip(plan: native.Plan, value: object) -> object:
    slots = lower(plan, value)
    return native.lift_from((plan,), ctypes.addressof(slots), 0, True)[0]


def test_a_surrogate_char_is_refused_and_a_real_one_kept() -> None:
    char = native.Plan(native.CHAR, (), (), None)
    with pytest.raises(ValueError, match="surrogate"):
        lower(char, "\ud800")
    assert roundtrip(char, "é") == "é"
    assert roundtrip(char, "\U0001F383") == "\U0001F383"


def test_a_flag_name_that_cannot_be_encoded_fails_cleanly() -> None:
    flags = native.Plan(native.FLAGS, (), (), None)
    with pytest.raises(UnicodeEncodeError):
        lower(flags, {"read", "\udcff"})
    with pytest.raises(TypeError, match="a set of str"):
        lower(flags, {"read", 3})
    assert roundtrip(flags, {"read", "write"}) == {"read", "write"}


class Fields:
    def __init__(self, **fields: str) -> None:
        self.__dict__.update(fields)


class ComputedPayload(Variant):
    """A Variant whose payload is made anew on each read (nothing else holds it)."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag, None)

    @property
    def payload(self):  # type: ignore[override]
        return Fields(**{name: name * 40 for name in ("a", "b", "c")})

    @payload.setter
    def payload(self, value) -> None:
        pass


def test_a_computed_variant_payload_stays_alive_while_it_is_lowered() -> None:
    text = native.Plan(native.STRING, (), (), None)
    record = native.Plan(native.RECORD, (text, text, text), ("a", "b", "c"), None)
    plan = native.Plan(native.VARIANT, (None, record), ("plain", "fields"),
                       (True, False, (), -1))
    for _ in range(500):
        out = roundtrip(plan, ComputedPayload("fields"))
        assert out.tag == "fields"
        assert [getattr(out.payload, name) for name in "abc"] == ["a" * 40, "b" * 40, "c" * 40]


class Shrinking:
    """A record whose field read empties the list being lowered."""

    def __init__(self, victims: list) -> None:
        self.victims = victims

    @property
    def n(self) -> int:
        self.victims.clear()
        return 7


def test_a_list_changed_during_lowering_is_lowered_as_it_was() -> None:
    record = native.Plan(native.RECORD, (native.Plan(native.U32, (), (), None),), ("n",), None)
    plan = native.Plan(native.LIST, (record,), (), None)
    items: list = []
    items.extend(Shrinking(items) for _ in range(50))
    out = roundtrip(plan, items)
    assert [r.n for r in out] == [7] * 50


def test_plans_malformed_by_their_builder_are_refused() -> None:
    u32 = native.Plan(native.U32, (), (), None)
    with pytest.raises(ValueError, match="one name per child"):
        native.Plan(native.VARIANT, (None, u32), (), (True, False, (), -1))
    with pytest.raises(ValueError, match="exactly one child"):
        native.Plan(native.LIST, (), (), None)
    with pytest.raises(ValueError, match="must be plans"):
        native.Plan(native.LIST, (None,), (), None)


def test_a_plan_cycle_through_its_type_node_is_collected() -> None:
    """Resource plans keep their node (codec.py keeps the plan on it): gc frees both."""

    class Node:
        pass

    class Table:
        pass

    node, table = Node(), Table()
    node.plan = native.Plan(native.RESOURCE, (), (), (table, 1, True, node))
    gone = weakref.ref(table)
    del node, table
    gc.collect()
    assert gone() is None
