"""Guest for tests/runtime/test_codec.py (built with componentize-py, world ``codec-test``).

Every ``roundtrip_*`` export hands its argument to the matching host
``echo-*`` import and returns what came back, so one call crosses the
boundary four times: host -> guest (export argument), guest -> host (import
argument), host -> guest (import result), guest -> host (export result).
"""

from componentize_py_types import Err, Ok, Some
from wit_world import WitWorld as _WitWorld
from wit_world.imports import host
from wit_world.imports.host import (
    Color,
    Everything,
    Perms,
    Point,
    Rec,
    Shape_Circle,
    Shape_Empty,
    Shape_Named,
    Shape_Square,
    Tagged_Left,
    Tagged_None_,
    Tagged_Right,
    Thing,
)


def sample() -> Everything:
    """Must equal tests/runtime/test_codec.py SAMPLE_EVERYTHING."""
    return Everything(
        r=Rec(
            name="grüße 🎃",
            count=4_000_000_000,
            tags=["a", "", "ünï"],
            maybe=-(2**40),
            origin=Point(x=-1.25, y=0.5),
            raw=bytes([0, 1, 254, 255]),
        ),
        s=[Shape_Circle(2.5), Shape_Square(7), Shape_Empty(), Shape_Named("hex")],
        t=Tagged_Right("r"),
        c=Color.GREEN,
        p=Perms.READ | Perms.EXEC,
        o=None,
        oo=Some(None),
        ok=Err("nope"),
        unit=Ok(None),
        tup=(255, "tuple", 3.5),
        text="日本語 text",
    )


_kept: list[Thing] = []


def _describe_tagged(v) -> str:
    if isinstance(v, Tagged_Left):
        return f"left:{v.value}"
    if isinstance(v, Tagged_Right):
        return f"right:{v.value}"
    if isinstance(v, Tagged_None_):
        return "none"
    return f"?{type(v).__name__}"


class WitWorld(_WitWorld):
    def roundtrip_rec(self, v):
        return host.echo_rec(v)

    def roundtrip_shape(self, v):
        return host.echo_shape(v)

    def roundtrip_tagged(self, v):
        return host.echo_tagged(v)

    def roundtrip_color(self, v):
        return host.echo_color(v)

    def roundtrip_perms(self, v):
        return host.echo_perms(v)

    def roundtrip_opt(self, v):
        return host.echo_opt(v)

    def roundtrip_opt_opt(self, v):
        return host.echo_opt_opt(v)

    def roundtrip_opt_tagged(self, v):
        return host.echo_opt_tagged(v)

    def roundtrip_result(self, v):
        return host.echo_result(v)  # an Err raised by the host import propagates

    def roundtrip_unit_result(self, v):
        return host.echo_unit_result(v)

    def roundtrip_bytes(self, v):
        return host.echo_bytes(v)

    def roundtrip_strings(self, v):
        return host.echo_strings(v)

    def roundtrip_tuple(self, v):
        return host.echo_tuple(v)

    def roundtrip_text(self, v):
        return host.echo_text(v)

    def roundtrip_everything(self, v):
        return host.echo_everything(v)

    def sample_everything(self):
        return sample()

    def is_sample_everything(self, v):
        return v == sample()

    def describe_opt_tagged(self, v):
        return "absent" if v is None else "some " + _describe_tagged(v)

    def roundtrip_thing(self, t):
        return host.echo_thing(t)

    def roundtrip_holder(self, v):
        return host.echo_holder(v)

    def roundtrip_boxed(self, v):
        return host.echo_boxed(v)

    def roundtrip_things(self, v):
        return host.echo_things(v)

    def roundtrip_thing_result(self, v):
        return host.echo_thing_result(v)

    def label_of(self, t):
        return host.thing_label(t) + "|" + t.label()

    def make_thing(self, label):
        return Thing(label)

    def give_thing(self, label):
        return host.take_thing(Thing(label))

    def keep_thing(self, t):
        _kept.append(t)

    def kept_label(self):
        return host.thing_label(_kept[0]) + "|" + _kept[0].label()

    def drop_kept(self):
        while _kept:
            _kept.pop().__exit__(None, None, None)
