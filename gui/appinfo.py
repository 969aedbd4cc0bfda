"""Who the application is to the desktop: its one reverse-DNS id, names and versions.

Everything that names the app to the outside uses :data:`APP_ID`: Qt's
desktop file name (so the window is matched to its menu entry and icon), the
files in ``packaging/`` (``<APP_ID>.desktop``, ``<APP_ID>.metainfo.xml``, the
icons), the PyInstaller spec and the Flatpak manifest. ``tests/packaging``
checks that those files agree with this module, so the id is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

import gui

APP_ID = "io.github.pumpkin_patch.PumpkinPatch"
APP_NAME = "Pumpkin Patch"
COMMAND = "pumpkin-patch"
VERSION = gui.__version__
HOMEPAGE = "https://github.com/pumpkin-patch/pumpkin-patch"


@dataclass(frozen=True)
class Versions:
    """What Help > About and ``--version`` report."""

    app: str
    wasmtime: str
    worlds: tuple[str, ...]
    codec: str
    python: str
    java_edition: str = ""  # the Minecraft version clients join with, "26.1 (protocol 775)"


def supported_worlds() -> tuple[str, ...]:
    """The Pumpkin WIT world(s) this host runs plugins of (gui/runtime/world.py)."""
    from gui.runtime import world

    return (f"{world.PACKAGE}@{world.SUPPORTED_VERSION}",)


def versions() -> Versions:
    """The versions of the app and of what it runs plugins with (imports the runtime)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from gui.runtime import codec

    try:
        wasmtime_version = version("wasmtime")
    except PackageNotFoundError:  # a bundle without dist-info: ask the module
        import wasmtime

        wasmtime_version = getattr(wasmtime, "__version__", "unknown")
    from gui.server.java.version import game_version

    java = game_version()
    return Versions(VERSION, wasmtime_version, supported_worlds(), codec.implementation(),
                    platform.python_version(), f"{java.name} (protocol {java.protocol})")


def version_text() -> str:
    """``pumpkin-patch --version``: one line per component."""
    v = versions()
    return (f"{COMMAND} {v.app}\n"
            f"wasmtime {v.wasmtime}\n"
            f"plugin world {', '.join(v.worlds)}\n"
            f"Minecraft Java Edition {v.java_edition}\n"
            f"value codec: {v.codec}\n"
            f"Python {v.python}")
