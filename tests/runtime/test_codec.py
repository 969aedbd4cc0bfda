"""gui.runtime.codec against a real component: every kind of WIT value, both directions.

The guest (``resources/codec_test``, built with componentize-py and cached by
source hash) passes each export's argument to the matching host ``echo-*``
import and returns what the host gave back, so one call converts a value four
times: host -> guest, guest -> host (what the host import receives, checked
too), host -> guest, guest -> host. ``sample-everything`` /
``is-sample-everything`` check each direction alone against the guest's own
constant.

The other half pins the wasmtime-py internals codec.py relies on, so a
wasmtime-py upgrade that changes them fails here first.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import wasmtime
from wasmtime import _ffi as ffi
from wasmtime import component
from wasmtime.component import ListType, Record, Variant, VariantType
from wasmtime.component._types import VariantLikeType

from gui.devkit import devkit_cache_dir
from gui.runtime import codec, frozen_types
from gui.runtime.engine import ComponentCache
from gui.runtime.engine_config import create_engine
from gui.runtime.instance import (
    ExportTable,
    GuestCallFailed,
    Limits,
    PluginInstance,
    Sandbox,
)
from gui.runtime.linking import link
from gui.runtime.resources import HandleTable
from gui.runtime.values import ValueBridge

SOURCE = Path(__file__).resolve().parents[2] / "resources" / "codec_test"
WORLD = "codec-test"
MODULE = "codec_test"
HOST = "pp:codec-test/host@0.1.0"
DEADLINE = 30.0  # seconds; the epoch ticker is not running here anyway


# -- building and compiling the guest (cached) ------------------------------------------------


def _componentize_py() -> str:
    beside = Path(sys.executable).parent / "componentize-py"
    if beside.is_file():
        return str(beside)
    found = shutil.which("componentize-py")
    if found is None:
        pytest.fail("componentize-py is not installed (it comes with pumpkin-api-py)")
    return found


def _source_key() -> str:
    digest = hashlib.sha256()
    digest.update(importlib.metadata.version("componentize-py").encode() + b"\0")
    files = sorted(p for p in SOURCE.rglob("*")
                   if p.is_file() and "__pycache__" not in p.relative_to(SOURCE).parts)
    for path in files:
        rel = path.relative_to(SOURCE).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def guest_wasm() -> Path:
    """The guest component, built by componentize-py (~20 s) unless cached."""
    cache = devkit_cache_dir() / "codec-test"
    target = cache / f"codec-test-{_source_key()[:32]}.wasm"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    # Build from a copy so the source tree gets no __pycache__; the temp dir is
    # inside the cache so the final os.replace is atomic.
    with tempfile.TemporaryDirectory(prefix=".build-", dir=cache) as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(SOURCE, src, ignore=shutil.ignore_patterns("__pycache__"))
        out = Path(tmp) / "out.wasm"
        proc = subprocess.run(
            [_componentize_py(), "-d", "wit", "-w", WORLD, "componentize", MODULE,
             "-o", str(out)],
            cwd=src, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False,
        )
        if proc.returncode != 0 or not out.is_file():
            pytest.fail(f"componentize-py failed to build {SOURCE} ({proc.returncode}):\n"
                        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        os.replace(out, target)
    return target


@pytest.fixture(scope="module")
def engine() -> wasmtime.Engine:
    return create_engine()


@pytest.fixture(scope="module")
def comp(engine: wasmtime.Engine) -> component.Component:
    cache = ComponentCache(engine, devkit_cache_dir() / "codec-test" / "compiled")
    return cache.load(guest_wasm().read_bytes()).component


# -- the host side -----------------------------------------------------------------------------


class Thing:
    """The host object behind the guest's ``thing`` handles."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"Thing({self.label!r})"


@dataclass
class HostSide:
    """Host implementations of ``pp:codec-test/host``; remembers what they received."""

    received: dict[str, list[Any]] = field(default_factory=dict)
    created: list[Thing] = field(default_factory=list)

    def _log(self, name: str, value: Any) -> None:
        self.received.setdefault(name, []).append(value)

    def last(self, name: str) -> Any:
        return self.received[name][-1]

    def lookup(self, interface: str, function: str) -> Callable[..., Any] | None:
        if interface != HOST:
            return None
        if function == "echo-text":
            def echo_text(value: str) -> str:
                self._log(function, value)
                if value == "boom":
                    raise ValueError("host failure on purpose")
                return value
            return echo_text
        if function == "echo-thing-result":
            # A result holding a resource, spelled out the way host code writes it.
            def echo_result(value: Any) -> Variant:
                self._log(function, value)
                return Variant("ok" if isinstance(value, Thing) else "err", value)
            return echo_result
        if function.startswith("echo-"):
            def echo(value: Any) -> Any:
                self._log(function, value)
                return value
            return echo
        if function == "[constructor]thing":
            def new(label: str) -> Thing:
                thing = Thing(label)
                self.created.append(thing)
                return thing
            return new
        if function in ("[method]thing.label", "thing-label"):
            def label(thing: Thing) -> str:
                self._log(function, thing)
                return thing.label
            return label
        if function == "take-thing":
            def take(thing: Thing) -> str:
                self._log(function, thing)
                return "took " + thing.label
            return take
        return None


@dataclass
class Guest:
    instance: PluginInstance
    table: HandleTable
    host: HostSide
    exports: ExportTable
    bridge: ValueBridge

    def call(self, export: str, *args: Any) -> Any:
        return self.instance.call(export, *args, deadline=DEADLINE)


def _instantiate(engine: wasmtime.Engine, comp: component.Component, *, plain: bool) -> Guest:
    host = HostSide()
    table = HandleTable("codec-test")
    linker, bridge, report = link(engine, comp, host, table, plain=plain)
    assert report.stubbed == [] and report.resources == 1
    exports = ExportTable(engine, comp, bridge)
    instance = PluginInstance("codec-test", engine, comp, linker, exports, limits=Limits(),
                              sandbox=Sandbox(), stdout=lambda _: None, stderr=lambda _: None,
                              plain=plain)
    return Guest(instance, table, host, exports, bridge)


def _guest(engine: wasmtime.Engine, comp: component.Component, *, plain: bool) -> Iterator[Guest]:
    guest = _instantiate(engine, comp, plain=plain)
    yield guest
    guest.instance.close()
    assert codec._LENT == []  # every borrow lent to the guest was released


@pytest.fixture
def guest(engine: wasmtime.Engine, comp: component.Component) -> Iterator[Guest]:
    yield from _guest(engine, comp, plain=False)


@pytest.fixture
def plain_guest(engine: wasmtime.Engine, comp: component.Component) -> Iterator[Guest]:
    yield from _guest(engine, comp, plain=True)


# -- values ------------------------------------------------------------------------------------


def record(**fields: Any) -> Record:
    out = Record()
    for name, value in fields.items():
        setattr(out, name, value)
    return out


def exact(value: Any) -> Any:
    """A comparable form of a host value that also pins every Python type (1 != 1.0 != True)."""
    if isinstance(value, Record):
        return ("record", {k: exact(v) for k, v in sorted(vars(value).items())})
    if isinstance(value, Variant):
        return ("variant", value.tag, exact(value.payload))
    if isinstance(value, list):
        return ("list", [exact(v) for v in value])
    if isinstance(value, tuple):
        return ("tuple", tuple(exact(v) for v in value))
    if isinstance(value, set | frozenset):
        return (type(value).__name__, frozenset(value))
    if isinstance(value, Thing):
        return ("thing", id(value))
    return (type(value).__name__, value)


def sample_rec() -> Record:
    return record(name="grüße 🎃", count=4_000_000_000, tags=["a", "", "ünï"],
                  maybe=-(2**40), origin=record(x=-1.25, y=0.5), raw=bytes([0, 1, 254, 255]))


def sample_everything() -> Record:
    """Must equal ``sample()`` in resources/codec_test/codec_test.py."""
    return record(
        r=sample_rec(),
        s=[2.5, 7, None, "hex"],  # shape is untagged: bare payloads, None for `empty`
        t=Variant("right", "r"),  # tagged: left and right both carry a string
        c="green",
        p={"read", "exec"},
        o=None,
        oo=Variant("some", None),  # option<option<string>> is tagged
        ok="nope",  # result<u32, string>, err case, untagged
        unit=None,  # result<_, string>, ok case
        tup=(255, "tuple", 3.5),
        text="日本語 text",
    )


# (kind, value): each goes through roundtrip-<kind> and the host's echo-<kind>.
CASES: list[Any] = [
    ("rec", sample_rec()),
    ("rec", record(name="", count=0, tags=[], maybe=None, origin=record(x=0.0, y=-2.0),
                   raw=b"")),
    ("shape", 2.5), ("shape", 7), ("shape", None), ("shape", "named"),
    ("tagged", Variant("left", "l")), ("tagged", Variant("right", "")),
    ("tagged", Variant("none")),
    ("color", "red"), ("color", "blue"),
    ("perms", set()), ("perms", {"write"}), ("perms", {"read", "write", "exec"}),
    ("opt", None), ("opt", 0), ("opt", 2**32 - 1),
    ("opt-opt", Variant("none")), ("opt-opt", Variant("some", None)),
    ("opt-opt", Variant("some", "x")),
    ("opt-tagged", None), ("opt-tagged", Variant("left", "x")),
    ("result", 5), ("result", "bad"),
    ("unit-result", None), ("unit-result", "bad"),
    ("bytes", b""), ("bytes", bytes(range(256))),
    ("strings", []), ("strings", ["a", "ü", "🎃", "", "日本"]),
    ("tuple", (0, "", 0.0)), ("tuple", (255, "ß", -1e300)),
    ("text", ""), ("text", "ascii"), ("text", "grüße 🎃 日本語"), ("text", "nul\x00inside"),
    ("everything", sample_everything()),
]

# Some(tagged::none): the payload's own Variant, not the option's `none` case.
OPTION_OF_NONE_CASE = pytest.param("opt-tagged", Variant("none"), id="opt-tagged-some-none")


def _ids(cases: list[Any]) -> list[str]:
    return [f"{kind}-{i}" for i, (kind, _) in enumerate(cases)]


def _roundtrip(guest: Guest, kind: str, value: Any) -> None:
    out = guest.call(f"roundtrip-{kind}", value)
    assert exact(guest.host.last(f"echo-{kind}")) == exact(value)  # guest -> host leg
    assert exact(out) == exact(value)  # ... and back through host -> guest -> host
    assert len(guest.table) == 0


# -- round trips (fast codec) ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value"), [*CASES, OPTION_OF_NONE_CASE],
                         ids=[*_ids(CASES), "opt-tagged-some-none"])
def test_roundtrip(guest: Guest, kind: str, value: Any) -> None:
    _roundtrip(guest, kind, value)


def test_each_direction_alone(guest: Guest) -> None:
    """Guest -> host and host -> guest checked against the guest's own constant."""
    assert exact(guest.call("sample-everything")) == exact(sample_everything())
    assert guest.call("is-sample-everything", sample_everything()) is True
    changed = sample_everything()
    changed.r.origin.y = 0.25
    assert guest.call("is-sample-everything", changed) is False


def test_option_of_variant_with_none_case(guest: Guest) -> None:
    assert guest.call("describe-opt-tagged", Variant("left", "x")) == "some left:x"
    assert guest.call("describe-opt-tagged", None) == "absent"
    assert guest.call("describe-opt-tagged", Variant("none")) == "some none"


def test_own_roundtrip_keeps_host_identity(guest: Guest) -> None:
    thing = Thing("a")
    assert guest.call("roundtrip-thing", thing) is thing
    assert guest.host.last("echo-thing") is thing
    assert len(guest.table) == 0


def test_resources_inside_values(guest: Guest) -> None:
    a, b, c = Thing("a"), Thing("b"), Thing("c")
    assert guest.call("roundtrip-holder", a) is a  # variant case holding a resource
    assert guest.call("roundtrip-holder", None) is None
    assert guest.call("roundtrip-things", [a, b, c]) == [a, b, c]
    out = guest.call("roundtrip-things", [a, b, c])
    assert [x is y for x, y in zip(out, [a, b, c], strict=True)] == [True] * 3
    boxed = guest.call("roundtrip-boxed", record(name="box", item=a, spare=b))
    assert (boxed.name, boxed.item, boxed.spare) == ("box", a, b)
    assert boxed.item is a and boxed.spare is b
    assert guest.call("roundtrip-boxed", record(name="", item=c, spare=None)).spare is None
    assert len(guest.table) == 0


def test_result_holding_resource(guest: Guest) -> None:
    thing = Thing("r")
    # Bare payload and spelled-out Variant are both accepted going in; the host
    # echo answers with Variant("ok"/"err", ...); lifted results are bare payloads.
    assert guest.call("roundtrip-thing-result", thing) is thing
    assert guest.host.last("echo-thing-result") is thing
    assert guest.call("roundtrip-thing-result", Variant("ok", thing)) is thing
    assert guest.call("roundtrip-thing-result", "no") == "no"
    assert guest.call("roundtrip-thing-result", Variant("err", "no")) == "no"
    assert len(guest.table) == 0


def test_guest_constructed_resources(guest: Guest) -> None:
    made = guest.call("make-thing", "m")  # guest calls the host constructor, returns own
    assert made is guest.host.created[-1] and made.label == "m"
    assert len(guest.table) == 0
    assert guest.call("give-thing", "g") == "took g"  # own handed to a host import
    assert guest.host.last("take-thing") is guest.host.created[-1]
    assert len(guest.table) == 0


def test_borrow_from_guest_leaves_handle_in_place(guest: Guest) -> None:
    thing = Thing("k")
    guest.call("keep-thing", thing)
    assert len(guest.table) == 1
    for _ in range(3):  # borrow<thing> param and [method] self, both guest -> host
        assert guest.call("kept-label") == "k|k"
        assert guest.host.last("thing-label") is thing
        assert guest.host.last("[method]thing.label") is thing
        assert len(guest.table) == 1
    guest.call("drop-kept")  # the guest drops its own: the host's drop empties the table
    assert len(guest.table) == 0


def test_borrow_to_guest(guest: Guest) -> None:
    thing = Thing("b")
    assert guest.call("label-of", thing) == "b|b"
    assert guest.host.last("thing-label") is thing
    assert guest.host.last("[method]thing.label") is thing


@pytest.mark.parametrize("mode", ["fast", "plain"])
def test_borrow_to_guest_leaves_no_handle(engine: wasmtime.Engine, comp: component.Component,
                                          mode: str) -> None:
    guest = _instantiate(engine, comp, plain=mode == "plain")
    guest.call("label-of", Thing("b"))
    assert len(guest.table) == 0


def test_host_exception_fails_the_call_loudly(guest: Guest) -> None:
    assert guest.call("roundtrip-text", "fine") == "fine"
    with pytest.raises(GuestCallFailed):
        guest.call("roundtrip-text", "boom")
    assert guest.instance.dead


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("text", 5, "expected str, got int"),
    ("opt", -1, "does not fit"),
    ("tagged", "left", "expected Variant, got str"),
    ("rec", record(name="x"), "count"),
    ("bytes", [1, 2], "expected bytes, got list"),
    ("perms", {"read", 3}, "expected a set of str"),
    ("tuple", (1, "x"), "expected a tuple of 3, got 2"),
])
def test_bad_host_value_names_the_problem(guest: Guest, kind: str, value: Any,
                                          message: str) -> None:
    with pytest.raises(GuestCallFailed) as caught:
        guest.call(f"roundtrip-{kind}", value)
    assert message in str(caught.value.__cause__)
    assert codec._LENT == []


def test_native_codec_refuses_another_value_layout() -> None:
    """_valcodec was written for wasmtime 50's C value layout; another one is refused."""
    functions = {name: ctypes.cast(getattr(wasmtime._bindings, f"_{name}"),
                                   ctypes.c_void_p).value for name in codec._NATIVE_FUNCTIONS}
    with pytest.raises(RuntimeError, match="layout differs"):
        codec.native.setup(functions, (), (40, 8, 48, 16))


def test_exports_use_bound_frozen_types(guest: Guest) -> None:
    guest.call("roundtrip-boxed", record(name="x", item=Thing("x"), spare=None))
    sig = guest.exports.signature("roundtrip-boxed")
    assert sig.lower == [None] and sig.lift is None  # no extra Python pass
    fields = dict(sig.params[0].fields)
    assert type(sig.params[0]).__name__ == "_FrozenRecord"
    assert type(fields["item"]).__name__ == "_BoundOwn"
    assert type(fields["spare"].payload).__name__ == "_BoundOwn"
    assert fields["item"]._pp_table is guest.table


# -- the plain (baseline) path -------------------------------------------------------------------

PLAIN_CASES = [c for c in CASES if c[0] in ("rec", "shape", "tagged", "everything")]
PLAIN_CASES.append(("opt-tagged", Variant("none")))  # correct here, unlike the fast codec


@pytest.mark.parametrize(("kind", "value"), PLAIN_CASES, ids=_ids(PLAIN_CASES))
def test_plain_roundtrip(plain_guest: Guest, kind: str, value: Any) -> None:
    _roundtrip(plain_guest, kind, value)


def test_plain_resources(plain_guest: Guest) -> None:
    thing = Thing("p")
    assert plain_guest.call("roundtrip-thing", thing) is thing
    assert plain_guest.call("roundtrip-holder", thing) is thing
    assert plain_guest.call("roundtrip-thing-result", thing) is thing
    assert plain_guest.call("describe-opt-tagged", Variant("none")) == "some none"
    assert len(plain_guest.table) == 0


# -- freezing --------------------------------------------------------------------------------

# The C API calls wasmtime-py's type objects make to answer type questions.
TYPE_QUERIES = [
    "wasmtime_component_variant_type_case_count", "wasmtime_component_variant_type_case_nth",
    "wasmtime_component_record_type_field_count", "wasmtime_component_record_type_field_nth",
    "wasmtime_component_list_type_element", "wasmtime_component_option_type_ty",
    "wasmtime_component_result_type_ok", "wasmtime_component_result_type_err",
    "wasmtime_component_tuple_type_types_count", "wasmtime_component_tuple_type_types_nth",
    "wasmtime_component_func_type_param_count", "wasmtime_component_func_type_param_nth",
    "wasmtime_component_func_type_result",
]


def _forbid_type_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TYPE_QUERIES:
        assert hasattr(ffi, name), name

        def refuse(*_args: Any, _name: str = name) -> Any:
            raise AssertionError(f"type queried again after freezing: {_name}")

        monkeypatch.setattr(ffi, name, refuse)


def _param(engine: wasmtime.Engine, comp: component.Component, export: str) -> Any:
    """A fresh (unfrozen) type object for the first parameter of ``export``."""
    fty = comp.type.exports(engine)[export].ty
    return fty.params[0][1]


def test_freeze_is_idempotent_and_cached(engine: wasmtime.Engine, comp: component.Component,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ty = _param(engine, comp, "roundtrip-everything")
    assert frozen_types.freeze(ty) is ty
    fields = ty.fields
    shapes = dict(fields)["s"]
    variant = shapes.element
    cases = variant.cases
    assert isinstance(variant, VariantType) and isinstance(shapes, ListType)
    _forbid_type_queries(monkeypatch)
    assert frozen_types.freeze(ty) is ty
    assert ty.fields is fields
    assert shapes.element is variant
    assert variant.cases is cases and frozen_types.variant_cases(variant) is cases
    assert frozen_types.freeze(None) is None


@pytest.mark.parametrize("export", [
    "roundtrip-shape", "roundtrip-tagged", "roundtrip-opt", "roundtrip-opt-opt",
    "roundtrip-opt-tagged", "roundtrip-result", "roundtrip-unit-result", "roundtrip-holder",
    "roundtrip-thing-result",
])
def test_frozen_answers_match_wasmtime(engine: wasmtime.Engine, comp: component.Component,
                                       export: str) -> None:
    fresh = _param(engine, comp, export)
    frozen = frozen_types.freeze(_param(engine, comp, export))
    assert isinstance(fresh, VariantLikeType) and type(fresh) is not type(frozen)
    assert [n for n, _ in frozen._cases()] == [n for n, _ in fresh._cases()]
    assert frozen_types.is_tagged(frozen) == fresh._tagged()
    found: set[type] = set()
    fresh.add_classes(found)
    again: set[type] = set()
    frozen.add_classes(again)
    assert again == found


def test_frozen_list_bytes(engine: wasmtime.Engine, comp: component.Component) -> None:
    raw = frozen_types.freeze(_param(engine, comp, "roundtrip-bytes"))
    strings = frozen_types.freeze(_param(engine, comp, "roundtrip-strings"))
    assert raw._is_bytes() is True and strings._is_bytes() is False


def test_calls_do_not_query_types(guest: Guest, monkeypatch: pytest.MonkeyPatch) -> None:
    thing = Thing("q")
    calls = [("everything", sample_everything()), ("opt-opt", Variant("some", None)),
             ("boxed", record(name="n", item=thing, spare=thing))]
    for kind, value in calls:  # the first call of each export freezes its types
        guest.call(f"roundtrip-{kind}", value)
    _forbid_type_queries(monkeypatch)
    assert exact(guest.call("roundtrip-everything", sample_everything())) == exact(
        sample_everything())
    assert guest.call("roundtrip-opt-opt", Variant("some", None)) == Variant("some", None)
    boxed = guest.call("roundtrip-boxed", record(name="n", item=thing, spare=thing))
    assert boxed.item is thing and boxed.spare is thing
    assert len(guest.table) == 0


# -- wasmtime-py internals codec.py relies on ----------------------------------------------------


def test_internals_present() -> None:
    assert codec.internals_present() == []


def _params(fn: Any) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_internal_signatures() -> None:
    """The overridden / called internals still take what codec.py passes."""
    assert _params(VariantLikeType._cases) == ["self"]
    assert _params(VariantLikeType._tagged) == ["self"]
    assert _params(ListType._is_bytes) == ["self"]
    assert len(_params(ffi.wasmtime_component_func_call)) == 6
    assert len(wasmtime._bindings._wasmtime_component_func_call.argtypes) == 6
    assert len(_params(ffi.wasmtime_component_linker_instance_add_func)) == 6
    assert len(ffi.wasmtime_component_func_callback_t._argtypes_) == 7
    from wasmtime.component._enter import catch_exceptions, enter_wasm

    assert _params(enter_wasm) == ["func"]
    assert _params(catch_exceptions) == ["store_raw", "func"]
    assert isinstance(wasmtime.Store()._context(), ctypes.POINTER(ffi.wasmtime_context))


def test_func_internals(guest: Guest) -> None:
    guest.call("roundtrip-text", "x")
    func = guest.instance._funcs["roundtrip-text"]
    assert isinstance(func, codec.PreparedFunc)
    assert isinstance(func._func, component.Func)
    assert isinstance(func._func._func, ffi.wasmtime_component_func_t)
