"""Reading a .wasm without running it: what ``plugin inspect`` and installers show.

Compiles (cached), checks the world, links against this host to find the
imports it does not implement, then instantiates in a sandbox with no
capabilities and a short deadline to call ``init-plugin`` and
``metadata.get-metadata`` only. ``on-load`` never runs here.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gui.errors import PumpkinPatchError
from gui.hostapi import HostApi
from gui.hostapi.scope import PluginScope
from gui.plugins.files import PluginFileError, read_plugin_file_async
from gui.plugins.metadata import PluginMetadata
from gui.runtime import GuestCallFailed, Limits, NotAPumpkinPlugin, PluginRuntime, Sandbox
from gui.runtime.compile_worker import CompileWorkerFailed
from gui.runtime.world import PACKAGE

INSPECT_DEADLINE = 2.0


class InspectError(PumpkinPatchError):
    """The file is not a plugin this host can run; the message says why."""


@dataclass
class Inspection:
    path: Path
    sha256: str
    size: int
    metadata: PluginMetadata
    world_version: str
    unimplemented: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    # Imports beyond Pumpkin's world: this host's own interfaces, wasi:http.
    extras: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.metadata.as_dict(),
            "file": str(self.path),
            "sha256": self.sha256,
            "size": self.size,
            "world": f"{PACKAGE}@{self.world_version}",
            "unimplemented_imports": self.unimplemented,
            "also_imports": self.extras,
        }


async def inspect_file(runtime: PluginRuntime, path: Path) -> Inspection:
    """Inspect ``path``; raises :class:`InspectError` naming the file and the problem."""
    try:
        wasm = await read_plugin_file_async(path)
    except PluginFileError as exc:
        raise InspectError(str(exc)) from exc
    except OSError as exc:
        raise InspectError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not wasm.startswith(b"\0asm"):
        raise InspectError(f"{path.name}: not a WebAssembly file (no \\0asm header)")
    if len(wasm) >= 8 and wasm[4:8] == b"\x01\x00\x00\x00":
        raise InspectError(
            f"{path.name}: a core WebAssembly module, not a component; Pumpkin plugins are "
            "components (build with pumpkin-plugin-build, cargo component or wasm-tools "
            "component new)"
        )
    try:
        compiled = await runtime.compile(wasm, path.name)
    except CompileWorkerFailed as exc:
        raise InspectError(str(exc)) from exc
    except Exception as exc:
        raise InspectError(f"{path.name}: not a valid WebAssembly component: "
                           f"{str(exc).strip().splitlines()[0]}") from exc
    output: list[str] = []
    scope = PluginScope.detached(
        path.stem, lambda level, message: output.append(f"{level}: {message}"))
    try:
        linked = await runtime.link(path.stem, compiled, lambda table: HostApi(scope, table))
    except NotAPumpkinPlugin as exc:
        raise InspectError(f"{path.name}: not a Pumpkin plugin: {exc}") from exc
    limits = Limits(load_deadline=INSPECT_DEADLINE)
    instance = None
    try:
        instance = await runtime.instantiate(linked, limits=limits, sandbox=Sandbox(),
                                             stdout=output.append, stderr=output.append)
        await runtime.call(instance, "init-plugin", deadline=INSPECT_DEADLINE)
        raw = await runtime.call(instance, "get-metadata", deadline=INSPECT_DEADLINE)
    except GuestCallFailed as failed:
        raise InspectError(f"{path.name}: reading its metadata failed "
                           f"({failed.fault.kind}: {failed.fault.message})") from failed
    except Exception as exc:
        raise InspectError(f"{path.name}: could not instantiate: "
                           f"{str(exc).strip().splitlines()[0]}") from exc
    finally:
        if instance is not None:  # its Store, memory and host handles go now
            await runtime.run(instance.close)
        await runtime.release(linked)  # and its linker, then the heap goes back
    return Inspection(
        path=path,
        sha256=await asyncio.to_thread(lambda: hashlib.sha256(wasm).hexdigest()),
        size=len(wasm),
        metadata=PluginMetadata.from_wit(raw),
        world_version=linked.world.version,
        unimplemented=[name for name in linked.report.stubbed if name.startswith(PACKAGE)],
        output=output,
        extras=_extras(linked.report),
    )


def _extras(report: Any) -> list[str]:
    interfaces = {label.split("#", 1)[0] for label in report.implemented + report.stubbed
                  if not label.startswith(PACKAGE)}
    if report.http is not None:
        interfaces.add("wasi:http (behind http.outbound)")
    return sorted(interfaces)
