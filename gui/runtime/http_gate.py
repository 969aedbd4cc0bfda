"""Outgoing HTTP for plugins that import ``wasi:http``, behind a per-plugin host list.

Components built with the JavaScript toolchain (componentize-js) import
``wasi:http/types`` and ``wasi:http/outgoing-handler`` whether or not they
ever call ``fetch()``. wasmtime implements both (``Linker.add_wasi_http``),
but wasmtime-py offers no hook to see or refuse a request, and a Store
without the WASI-HTTP context aborts the whole process on the first request.

So, for such a component only:

- its Store gets the WASI-HTTP context (:func:`prepare_store`);
- its ``outgoing-handler.handle`` import is shadowed by :class:`OutgoingGate`,
  a Python function that reads the request's authority through the small
  gate component in ``http_gate.wat`` (instantiated in the same Store from a
  linker with the real wasi:http, so request handles are shared), then
  either returns ``err(HTTP-request-denied)`` (an error value: the plugin's
  ``fetch()`` rejects, nothing traps) or forwards the request with its
  timeouts capped (:func:`timeout_within`).

Requests are synchronous: while one is in flight the plugin waits on the
runtime thread, and the wait counts against its CPU deadline (wasmtime-py
has no asynchronous calls). So each of a request's timeouts is capped at a
share of the plugin's call deadline: a slow host gives the plugin an error
value with time left to handle it, instead of a deadline trap, and no
plugin holds the runtime thread for long. An admin who needs slower hosts
raises ``call_deadline_ms``.

Which requests may go out is :class:`HttpAccess`, made by the permission
layer from the ``http.outbound`` grant and the admin's host list (its
entries are gui/host_list.py's).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import component

from gui.host_list import parse_authority

log = logging.getLogger(__name__)

OUTGOING_HANDLER = "wasi:http/outgoing-handler"
TYPES = "wasi:http/types"
# Connect, first byte and between bytes: each capped at this (a request's own
# shorter timeouts are kept), and at a share of the call deadline.
DEFAULT_TIMEOUT_S = 10.0
DEADLINE_SHARE = 0.4
_GATE_WAT = Path(__file__).with_name("http_gate.wat")


@dataclass(frozen=True)
class HttpAccess:
    """What outgoing HTTP one plugin may make.

    Attributes:
        granted: Whether the plugin holds ``http.outbound``.
        hosts: The admin's list for the plugin: ``host`` (any port) or
            ``host:port``. Empty means nothing, even when granted.
        timeout_s: Cap on each of the request's three timeouts.
    """

    granted: bool = False
    hosts: frozenset[str] = frozenset()
    timeout_s: float = DEFAULT_TIMEOUT_S

    def refusal(self, authority: str | None) -> str:
        """Why a request to ``authority`` is refused; empty when it may go out."""
        if not self.granted:
            return "it lacks the http.outbound permission"
        if not authority:
            return "the request names no host"
        host, port = parse_authority(authority)
        for entry in self.hosts:
            allowed_host, allowed_port = parse_authority(entry)
            if allowed_host == host and allowed_port in (None, port):
                return ""
        if not self.hosts:
            return "http.outbound is granted but no hosts are listed for it"
        return f"{authority} is not in its allowed hosts ({', '.join(sorted(self.hosts))})"


def timeout_within(access: HttpAccess, call_deadline: float) -> float:
    """Seconds each timeout of a request may take: the access's cap, within the deadline."""
    return min(access.timeout_s, call_deadline * DEADLINE_SHARE)


def wasi_http_handlers(import_names: Iterable[str]) -> list[str] | None:
    """The ``wasi:http/outgoing-handler@…`` names among a component's imports.

    None when it imports nothing of wasi:http (then it needs no gate at all).
    """
    unversioned = {name: name.split("@", 1)[0] for name in import_names}
    if not any(bare in (OUTGOING_HANDLER, TYPES) for bare in unversioned.values()):
        return None
    return [name for name, bare in unversioned.items() if bare == OUTGOING_HANDLER]


@lru_cache(maxsize=4)
def _gate_parts(engine: wasmtime.Engine) -> tuple[component.Component, component.Linker]:
    gate = component.Component(engine, _GATE_WAT.read_text(encoding="utf-8"))
    linker = component.Linker(engine)
    linker.add_wasip2()
    linker.add_wasi_http()
    return gate, linker


@dataclass
class _GateFuncs:
    authority_of: component.Func
    forward: component.Func


Refused = Callable[[str], None]


class OutgoingGate:
    """The shadowing ``handle`` of one linked plugin, re-armed for each instance.

    The Linker (and so this object) outlives instances: a plugin is
    instantiated again after a trap, and each new Store gets its own gate
    instance and the access its grants give (:meth:`arm`).
    """

    def __init__(self, plugin: str, refused: Refused) -> None:
        self.plugin = plugin
        self._refused = refused
        self._funcs: _GateFuncs | None = None
        self.access = HttpAccess()
        self.timeout_s = DEFAULT_TIMEOUT_S

    def link(self, linker: component.Linker, handler_names: list[str]) -> None:
        """Replace the real ``handle`` under each imported outgoing-handler name."""
        linker.allow_shadowing = True
        with linker.root() as root:
            for name in handler_names:
                with root.add_instance(name) as inst:
                    inst.add_func("handle", self._handle)
        linker.allow_shadowing = False

    def arm(self, store: wasmtime.Store, access: HttpAccess, call_deadline: float) -> None:
        """Give ``store`` the WASI-HTTP context and this gate's helper instance."""
        store.set_wasi_http()
        gate, linker = _gate_parts(store.engine)
        instance = linker.instantiate(store, gate)
        authority_of = instance.get_func(store, "authority-of")
        forward = instance.get_func(store, "forward")
        if authority_of is None or forward is None:  # http_gate.wat exports both
            raise RuntimeError(f"{_GATE_WAT.name} lacks its exports")
        self._funcs = _GateFuncs(authority_of, forward)
        self.access = access
        self.timeout_s = timeout_within(access, call_deadline)

    def _handle(self, store: Any, request: Any, options: Any) -> Any:
        funcs = self._funcs
        if funcs is None:  # never armed: cannot happen for a linked instance
            return _drop_and_deny(store, request, options)
        authority = funcs.authority_of(store, request)
        funcs.authority_of.post_return(store)
        reason = self.access.refusal(authority)
        if reason:
            # The plugin's log says it (once per reason, PluginScope.lacks); a plugin
            # looping on fetch() must not flood the app's log.
            log.debug("plugin %r: HTTP request to %s refused: %s", self.plugin, authority, reason)
            self._refused(f"HTTP request to {authority or '(no host)'} refused: {reason}")
            return _drop_and_deny(store, request, options)
        limit_ns = int(self.timeout_s * 1_000_000_000)
        result = funcs.forward(store, request, options, limit_ns)
        funcs.forward.post_return(store)
        return result


def _drop_and_deny(store: Any, request: Any, options: Any) -> Any:
    request.drop(store)
    if options is not None:
        options.drop(store)
    return component.Variant("HTTP-request-denied")
