"""The contract with plugins: Pumpkin's WIT world ``pumpkin:plugin@0.1.0``.

This module knows the names: which exports a plugin must have, how interface
names are spelled, and which world versions this host speaks. It checks a
compiled component against that contract before anything runs, and says
precisely what is missing or wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import wasmtime
from wasmtime import component

from gui.errors import PumpkinPatchError

PACKAGE = "pumpkin:plugin"
HOST_PACKAGE = "pumpkin-patch:host"  # this project's own (wit/host.wit)
SUPPORTED_MAJOR = 0
SUPPORTED_VERSION = "0.1.0"

# Exports every plugin must provide; the rest of the world's exports are optional.
REQUIRED_FUNCTIONS = ("init-plugin", "on-load", "on-unload")
METADATA_FUNCTION = "get-metadata"
OPTIONAL_FUNCTIONS = (
    "handle-event",
    "handle-command",
    "handle-command-suggestion",
    "handle-task",
    "handle-ipc-message",
)

_INTERFACE = re.compile(r"^(?P<ns>[a-z0-9-]+):(?P<pkg>[a-z0-9-]+)/(?P<name>[a-z0-9-]+)"
                        r"(?:@(?P<version>[0-9A-Za-z.+-]+))?$")


@dataclass(frozen=True)
class InterfaceName:
    namespace: str
    package: str
    name: str
    version: str | None

    @classmethod
    def parse(cls, text: str) -> InterfaceName | None:
        match = _INTERFACE.match(text)
        if not match:
            return None
        return cls(match["ns"], match["pkg"], match["name"], match["version"])

    @property
    def qualified_package(self) -> str:
        """``namespace:package``, e.g. ``pumpkin:plugin``."""
        return f"{self.namespace}:{self.package}"

    @property
    def is_pumpkin(self) -> bool:
        return self.qualified_package == PACKAGE


def interface_id(name: str) -> str:
    """Full import name of one of Pumpkin's interfaces, e.g. ``logging``."""
    return f"{PACKAGE}/{name}@{SUPPORTED_VERSION}"


class NotAPumpkinPlugin(PumpkinPatchError):
    """The component does not implement Pumpkin's plugin world."""


class UnsupportedWorldVersion(NotAPumpkinPlugin):
    """The component targets a version of Pumpkin's world this host does not speak."""


@dataclass(frozen=True)
class WorldInfo:
    """What a component declares about itself, read from its type alone."""

    version: str
    exports: frozenset[str]
    imports: tuple[str, ...]


def check_world(comp: component.Component, engine: wasmtime.Engine) -> WorldInfo:
    """Check that ``comp`` is a Pumpkin plugin this host can run.

    Raises:
        UnsupportedWorldVersion: it speaks ``pumpkin:plugin`` of another major version.
        NotAPumpkinPlugin: a required export is missing; the message names it.
    """
    ctype = comp.type
    exports = ctype.exports(engine)
    imports = tuple(ctype.imports(engine))
    metadata_names = [
        name for name in exports
        if (parsed := InterfaceName.parse(name)) and parsed.is_pumpkin and parsed.name == "metadata"
    ]
    pumpkin_versions = {
        parsed.version
        for name in (*exports, *imports)
        if (parsed := InterfaceName.parse(name)) and parsed.is_pumpkin and parsed.version
    }
    wrong = sorted(v for v in pumpkin_versions if _major(v) != SUPPORTED_MAJOR)
    if wrong:
        raise UnsupportedWorldVersion(
            f"targets {PACKAGE}@{wrong[0]}, but this host speaks {PACKAGE}@{SUPPORTED_VERSION} "
            f"(major version {SUPPORTED_MAJOR}); rebuild the plugin against "
            f"{PACKAGE}@{SUPPORTED_VERSION}"
        )
    if not metadata_names:
        found = ", ".join(sorted(exports)) or "nothing"
        raise NotAPumpkinPlugin(
            f"missing export {interface_id('metadata')} (it exports: {found}); "
            f"is this a plugin built against {PACKAGE}@{SUPPORTED_VERSION}?"
        )
    missing = [name for name in REQUIRED_FUNCTIONS if name not in exports]
    metadata_type = exports[metadata_names[0]].ty
    if not isinstance(metadata_type, component.ComponentInstanceType) or (
        METADATA_FUNCTION not in metadata_type.exports(engine)
    ):
        missing.append(f"{metadata_names[0]}#{METADATA_FUNCTION}")
    if missing:
        raise NotAPumpkinPlugin(
            f"missing export{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"required by {PACKAGE}@{SUPPORTED_VERSION}"
        )
    version = next(iter(pumpkin_versions), SUPPORTED_VERSION)
    return WorldInfo(version=version, exports=frozenset(exports), imports=imports)


def _major(version: str) -> int | None:
    try:
        return int(version.split(".")[0])
    except ValueError:
        return None
