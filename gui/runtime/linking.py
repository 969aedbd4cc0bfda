"""Linking a plugin's imports by reading the component's own type.

No WIT file is needed at run time: for every interface the component
imports we define its resources (sharing one host type per WIT resource,
however many interfaces ``use`` it) and its functions, taking the host
implementation from :mod:`gui.hostapi` where there is one and a stub that
fails with "<interface>#<function> is not available in Pumpkin Patch"
everywhere else. WASI 0.2 comes from wasmtime itself (``add_wasip2``), and
``wasi:http`` too for the components that import it, behind the host list of
:mod:`gui.runtime.http_gate`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import wasmtime
from wasmtime import component

from gui.runtime.codec import add_host_func, native_available
from gui.runtime.http_gate import OutgoingGate, wasi_http_handlers
from gui.runtime.resources import HandleTable, ResourceTypeIds
from gui.runtime.traps import UnimplementedImport
from gui.runtime.values import ResourceCatalog, ValueBridge
from gui.runtime.wait_gate import WaitGate, imports_poll

log = logging.getLogger(__name__)

HostFunction = Callable[..., Any]


class HostBindings(Protocol):
    """Where the linker finds host implementations (see gui.hostapi)."""

    def lookup(self, interface: str, function: str) -> HostFunction | None:
        """``interface`` is the full import name, e.g. ``pumpkin:plugin/logging@0.1.0``."""

    def lacks(self, capability: str, message: str) -> None:
        """Tell the admin the plugin tried something ``capability`` would allow."""


@dataclass
class LinkReport:
    """What linking found: useful for ``plugin inspect`` and api-coverage."""

    implemented: list[str] = field(default_factory=list)
    stubbed: list[str] = field(default_factory=list)
    resources: int = 0
    # Set when the component imports wasi:http: its Stores need arming.
    http: OutgoingGate | None = None
    # Set when it imports wasi:io/poll (nearly all do): its Stores need arming too.
    waits: WaitGate | None = None


@dataclass
class _ResourceUse:
    interface: str
    name: str
    rtype: component.ResourceType
    canonical: str = ""


def _short(interface: str) -> str:
    """``pumpkin:plugin/text@0.1.0`` -> ``text``; other names unchanged."""
    tail = interface.split("/", 1)[-1]
    return tail.split("@", 1)[0]


def _is_wasi(interface: str) -> bool:
    return interface.startswith("wasi:")


def _canonical_resources(
    uses: list[_ResourceUse], functions: dict[str, list[str]]
) -> None:
    """Group equal resource types and name each group after its defining interface.

    The defining interface is the one that carries the resource's methods,
    constructor or statics; interfaces that merely ``use`` it carry none.
    """
    groups: list[list[_ResourceUse]] = []
    for use in uses:
        for group in groups:
            if group[0].rtype == use.rtype:
                group.append(use)
                break
        else:
            groups.append([use])
    for group in groups:
        definer = group[0]
        for use in group:
            prefixes = (f"[method]{use.name}.", f"[static]{use.name}.", f"[constructor]{use.name}")
            if any(f.startswith(prefixes) for f in functions.get(use.interface, ())):
                definer = use
                break
        canonical = f"{_short(definer.interface)}#{definer.name}"
        for use in group:
            use.canonical = canonical


def link(
    engine: wasmtime.Engine,
    comp: component.Component,
    bindings: HostBindings,
    table: HandleTable,
    *,
    plain: bool = False,
) -> tuple[component.Linker, ValueBridge, LinkReport]:
    """Build a linker for ``comp`` whose host functions use ``table`` for handles.

    ``plain`` links host functions through wasmtime-py's own trampoline
    instead of :func:`gui.runtime.codec.add_host_func`; only benchmarks use
    it, as the baseline, and every link when the C codec cannot be imported.
    """
    plain = plain or not native_available()

    def define(target: component.LinkerInstance, name: str, fn: Any,
               fty: component.FuncType) -> None:
        if plain or getattr(fn, "is_stub", False):
            # A stub only raises: wasmtime-py's trampoline is fine, and skipping
            # the freeze keeps linking ~900 unimplemented imports cheap.
            target.add_func(name, fn)
        else:
            params = [bridge.prepare(t, to_guest=False)[0] for _, t in fty.params]
            add_host_func(target, name, fn, params, bridge.prepare(fty.result, to_guest=True)[0])

    imports = comp.type.imports(engine)
    instance_items: dict[str, dict[str, Any]] = {}
    root_funcs: dict[str, component.FuncType] = {}
    uses: list[_ResourceUse] = []
    for name, ext in imports.items():
        if _is_wasi(name):
            continue
        ity = ext.ty
        if isinstance(ity, component.ComponentInstanceType):
            instance_items[name] = {k: v.ty for k, v in ity.exports(engine).items()}
        elif isinstance(ity, component.FuncType):
            root_funcs[name] = ity
        elif isinstance(ity, component.ResourceType):
            # A world-level `use` (e.g. `use context.{context}`) imports the
            # resource at the root too; it must share the interface's host type.
            uses.append(_ResourceUse("", name, ity))

    functions: dict[str, list[str]] = {}
    for iface, items in instance_items.items():
        functions[iface] = [k for k, t in items.items() if isinstance(t, component.FuncType)]
        uses += [
            _ResourceUse(iface, k, t) for k, t in items.items()
            if isinstance(t, component.ResourceType)
        ]
    _canonical_resources(uses, functions)

    catalog = ResourceCatalog()
    seen: set[str] = set()
    for use in uses:
        if use.canonical not in seen:
            seen.add(use.canonical)
            catalog.add(use.rtype, ResourceTypeIds.id_for(use.canonical), use.canonical)
    bridge = ValueBridge(table, catalog, plain=plain)
    report = LinkReport(resources=len(seen))

    def drop(_store: wasmtime.StoreContext, rep: int) -> None:
        table.drop(rep)

    linker = component.Linker(engine)
    linker.add_wasip2()
    handlers = wasi_http_handlers(imports)
    if handlers is not None:
        linker.add_wasi_http()
        report.http = OutgoingGate(table.owner, lambda m: bindings.lacks("http.outbound", m))
        report.http.link(linker, handlers)
    if imports_poll(imports):
        report.waits = WaitGate(table.owner)
        report.waits.link(linker)
    with linker.root() as root:
        for use in (u for u in uses if u.interface == ""):
            root.add_resource(use.name, ResourceTypeIds.host_type(use.canonical), drop)
        for fname, fty in root_funcs.items():
            define(root, fname,
                   _bind(bridge, fname, "", fty, bindings.lookup(fname, ""), report), fty)
        for iface, items in instance_items.items():
            with root.add_instance(iface) as inst:
                for use in (u for u in uses if u.interface == iface):
                    inst.add_resource(use.name, ResourceTypeIds.host_type(use.canonical), drop)
                for fname, fty in items.items():
                    if isinstance(fty, component.FuncType):
                        impl = bindings.lookup(iface, fname)
                        define(inst, fname, _bind(bridge, iface, fname, fty, impl, report), fty)
    return linker, bridge, report


def _bind(
    bridge: ValueBridge,
    iface: str,
    fname: str,
    fty: component.FuncType,
    impl: HostFunction | None,
    report: LinkReport,
) -> Callable[..., Any]:
    label = f"{iface}#{fname}" if fname else iface
    if impl is None:
        report.stubbed.append(label)

        def stub(_store: Any, *_args: Any) -> Any:
            raise UnimplementedImport(iface, fname)

        stub.is_stub = True  # type: ignore[attr-defined]
        return stub
    report.implemented.append(label)
    if not bridge.plain:
        # The codec already hands over host objects (bound resource nodes).
        return lambda _store, *args: impl(*args)
    params = [bridge.lift(ty) for _, ty in fty.params]
    result = bridge.lower(fty.result)

    def call(store: Any, *args: Any) -> Any:
        converted = [conv(store, a) if conv else a for conv, a in zip(params, args, strict=True)]
        value = impl(*converted)
        return result(store, value) if result else value

    return call
