"""Frozen component types: every type question of a value conversion answered once.

wasmtime-py's type objects query the C API on every access (each lower or
lift of a variant re-enumerates all its cases; Pumpkin's ``event`` has 273).
:func:`freeze` walks a type tree once and swaps each node's class for a
subclass whose properties return cached answers (fields, cases, element,
tagged-ness). The value plans of gui/runtime/codec.py, and wasmtime-py's own
conversion when the C codec is missing, both run on frozen trees.
"""

from __future__ import annotations

from typing import Any

from wasmtime.component import (
    BorrowType,
    ListType,
    OptionType,
    OwnType,
    RecordType,
    ResultType,
    TupleType,
    ValType,
    Variant,
    VariantType,
)
from wasmtime.component._types import (
    U8,
    VariantLikeType,
)

# -- frozen type nodes --------------------------------------------------------------------


class _FrozenList(ListType):
    @property
    def element(self) -> ValType:
        return self._pp_element  # type: ignore[attr-defined]

    def _is_bytes(self) -> bool:
        return self._pp_bytes  # type: ignore[attr-defined]


class _FrozenRecord(RecordType):
    @property
    def fields(self) -> list[tuple[str, ValType]]:
        return self._pp_fields  # type: ignore[attr-defined]


class _FrozenTuple(TupleType):
    @property
    def elements(self) -> list[ValType]:
        return self._pp_elements  # type: ignore[attr-defined]


class _FrozenCases:
    """Methods for variant-like types: cached cases and O(1) tag lookup.

    Copied onto each frozen class below rather than mixed in: a mixin base
    changes the instance layout and ``__class__`` assignment refuses it.
    """

    _pp_cases: list[tuple[str, ValType | None]]
    _pp_by_tag: dict[str, ValType | None]
    _pp_tagged: bool
    _pp_classes: list[tuple[str, ValType | None, tuple[type, ...]]]
    _pp_resource_cases: list[tuple[str, ValType]]
    _pp_spellable: bool

    def _cases(self) -> list[tuple[str, ValType | None]]:
        return self._pp_cases

    def _tagged(self) -> bool:
        return self._pp_tagged


class _FrozenVariant(VariantType):
    _pp_cases: list[tuple[str, ValType | None]]

    @property
    def cases(self) -> list[tuple[str, ValType | None]]:
        return self._pp_cases


class _FrozenOption(OptionType):
    @property
    def payload(self) -> ValType:
        return self._pp_payload  # type: ignore[attr-defined]


class _FrozenResult(ResultType):
    @property
    def ok(self) -> ValType | None:
        return self._pp_ok  # type: ignore[attr-defined]

    @property
    def err(self) -> ValType | None:
        return self._pp_err  # type: ignore[attr-defined]


for _frozen in (_FrozenVariant, _FrozenOption, _FrozenResult):
    for _name in ("_cases", "_tagged"):
        setattr(_frozen, _name, getattr(_FrozenCases, _name))


def _classes(ty: ValType | None) -> set[type]:
    found: set[type] = set()
    if ty is None:
        found.add(object)
    else:
        ty.add_classes(found)
    return found


def _freeze_cases(node: Any, cases: list[tuple[str, ValType | None]]) -> None:
    node._pp_cases = cases
    node._pp_by_tag = dict(cases)
    seen: set[type] = set()
    tagged = False
    for _, cty in cases:
        classes = _classes(cty)
        if classes & seen:
            tagged = True
        seen |= classes
    node._pp_tagged = tagged
    node._pp_classes = [(name, cty, tuple(_classes(cty))) for name, cty in cases
                        if not isinstance(cty, OwnType | BorrowType)]
    node._pp_spellable = (not any(Variant in classes for _, _, classes in node._pp_classes)
                          or _result_spelled_unambiguously(node, cases))
    # A bound resource case holds a host object of any class: tried last.
    node._pp_resource_cases = [(name, cty) for name, cty in cases
                               if isinstance(cty, OwnType | BorrowType)]


def _result_spelled_unambiguously(node: Any, cases: list[tuple[str, ValType | None]]) -> bool:
    """Whether ``Variant("ok"|"err", payload)`` can only mean this result's own case.

    A result whose error is a variant (``result<option<T>, error>``) has
    untagged cases that overlap: a bare value could be either. Host code then
    spells the case; that reads unambiguously unless a payload is itself a
    variant with a case named ``ok`` or ``err`` (a nested result).
    """
    if not isinstance(node, ResultType):
        return False
    for _, cty in cases:
        names = {name for name, _ in cty._cases()} if isinstance(cty, VariantLikeType) else set()
        if names & {"ok", "err"}:
            return False
    return True


def _untagged_case(node: Any, value: Any) -> tuple[str, ValType | None]:
    for name, cty, classes in node._pp_classes:
        if cty is None:
            if value is None:
                return name, None
        elif isinstance(value, classes):
            return name, cty
    if value is not None:
        for name, cty in node._pp_resource_cases:
            return name, cty
    raise ValueError(f"value {value!r} is valid for no case of this variant")


def freeze(ty: ValType | None) -> ValType | None:
    """Return ``ty`` with every type question precomputed (the same object, reclassed)."""
    if ty is None or getattr(ty, "_pp_frozen", False):
        return ty
    if isinstance(ty, ListType):
        element = freeze(ty.element)
        ty.__class__ = _FrozenList
        ty._pp_element = element  # type: ignore[attr-defined]
        ty._pp_bytes = isinstance(element, U8)  # type: ignore[attr-defined]
    elif isinstance(ty, RecordType):
        fields = [(name, freeze(fty)) for name, fty in ty.fields]
        ty.__class__ = _FrozenRecord
        ty._pp_fields = fields  # type: ignore[attr-defined]
    elif isinstance(ty, TupleType):
        elements = [freeze(t) for t in ty.elements]
        ty.__class__ = _FrozenTuple
        ty._pp_elements = elements  # type: ignore[attr-defined]
    elif isinstance(ty, VariantType):
        cases = [(name, freeze(cty)) for name, cty in ty.cases]
        ty.__class__ = _FrozenVariant
        _freeze_cases(ty, cases)
    elif isinstance(ty, OptionType):
        payload = freeze(ty.payload)
        ty.__class__ = _FrozenOption
        ty._pp_payload = payload  # type: ignore[attr-defined]
        _freeze_cases(ty, [("none", None), ("some", payload)])
    elif isinstance(ty, ResultType):
        ok, err = freeze(ty.ok), freeze(ty.err)
        ty.__class__ = _FrozenResult
        ty._pp_ok, ty._pp_err = ok, err  # type: ignore[attr-defined]
        _freeze_cases(ty, [("ok", ok), ("err", err)])
    elif isinstance(ty, OwnType | BorrowType):
        pass  # a dataclass holding the resource type; nothing to ask at call time
    ty._pp_frozen = True  # type: ignore[attr-defined]
    return ty


# -- case tables for other host code (the resource bridge) ---------------------------------


def variant_cases(ty: ValType) -> list[tuple[str, ValType | None]]:
    """Cases of a variant, option or result (frozen)."""
    return freeze(ty)._pp_cases  # type: ignore[union-attr]


def is_tagged(ty: ValType) -> bool:
    """Whether wasmtime-py represents values of this variant-like type as ``Variant``."""
    return freeze(ty)._pp_tagged  # type: ignore[union-attr]


def names_its_case(ty: ValType, value: Any) -> bool:
    """Whether ``value`` is ``Variant(case, payload)`` naming a case of ``ty``.

    True for every value of a tagged type. On an untagged but spellable one
    host code may still name the case (``Variant("err", ...)``, see
    gui/hostapi/values.py): the C codec reads it so (``choose_case`` in
    _valcodec.c), and this is the same rule for the pure-Python path.
    """
    node: Any = freeze(ty)
    return isinstance(value, Variant) and (
        node._pp_tagged or (node._pp_spellable and value.tag in node._pp_by_tag))


def is_spellable(ty: ValType) -> bool:
    """Whether host code may name the case of an untagged value of ``ty``."""
    return freeze(ty)._pp_spellable  # type: ignore[union-attr]


def untagged_case(ty: ValType, value: Any) -> str:
    """The case an untagged (bare-payload) value of a variant-like type belongs to."""
    return _untagged_case(freeze(ty), value)[0]
