"""Before the window: can Qt open a display with its platform plugin? If not, say why.

Qt's own failure is ``Could not load the Qt platform plugin "xcb" ...
Reinstalling the application may fix this problem`` followed by abort() (a
core dump), which names neither the missing library nor a fix. This module
answers the same question first, without importing Qt (so it is Qt-free and
cheap): which platform plugin Qt will use, whether its file is there, which
shared libraries it cannot load (``ldd``, else the loader's own message),
and whether the display it needs (``DISPLAY``, ``WAYLAND_DISPLAY``) is set
and answers. :func:`diagnose` returns the problems with the Debian/Ubuntu and
Fedora packages that fix them; the caller prints them and suggests
``--headless``. gui/app.py keeps a last guard for whatever this misses.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Platforms that need no display server.
NO_DISPLAY_NEEDED = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay",
                     "minimalegl")

# soname -> (Debian/Ubuntu package, Fedora package) for what Qt's xcb and
# wayland plugins link; anything else is looked up with apt-file / dnf provides.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}
for _lib in ("xcb", "xcb-randr", "xcb-shape", "xcb-shm", "xcb-sync", "xcb-xfixes",
             "xcb-xinerama", "xcb-xkb", "xcb-render", "xcb-glx", "xcb-xinput"):
    _soname = f"lib{_lib}.so.{1 if _lib in ('xcb', 'xcb-sync', 'xcb-xkb') else 0}"
    PACKAGES.setdefault(_soname, (f"lib{_lib}{_soname.rsplit('.', 1)[1]}", "libxcb"))

# Qt 6.5+ loads libxcb-cursor at run time (not a link-time dependency): ldd
# cannot see it, and without it the xcb plugin refuses to load.
XCB_RUNTIME_LIBS = ("libxcb-cursor.so.0",)


@dataclass
class Diagnosis:
    """What stands between Qt and a window, and how to fix it."""

    platform: str
    problems: list[str] = field(default_factory=list)
    missing_libraries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self, command: str = "pumpkin-patch") -> str:
        """The text to print: each problem, the install commands, and --headless."""
        lines = [f"{command}: cannot open the window (Qt platform plugin "
                 f"\"{self.platform}\"):"]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.missing_libraries:
            debian = sorted({PACKAGES.get(lib, (None, None))[0] or lib
                             for lib in self.missing_libraries})
            fedora = sorted({PACKAGES.get(lib, (None, None))[1] or lib
                             for lib in self.missing_libraries})
            unknown = [lib for lib in self.missing_libraries if lib not in PACKAGES]
            lines.append("  Install the missing libraries:")
            lines.append(f"    Debian/Ubuntu: sudo apt install {' '.join(debian)}")
            lines.append(f"    Fedora:        sudo dnf install {' '.join(fedora)}")
            if unknown:
                lines.append(f"    (find the package of {', '.join(unknown)} with "
                             "'apt-file search NAME' or 'dnf provides */NAME')")
        lines.append(f"  To run the server without a window: {command} --headless")
        lines.append("  (QT_QPA_PLATFORM=offscreen also runs the window with nothing shown)")
        return "\n".join(lines)


def qt_plugins_dir() -> Path | None:
    """PySide6's ``Qt/plugins`` folder, found without importing Qt."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle keeps PySide6 beside the app
        base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
        for candidate in (base / "PySide6" / "Qt" / "plugins", base / "PySide6" / "plugins"):
            if candidate.is_dir():
                return candidate
        return None
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins"
    return folder if folder.is_dir() else None


def candidate_platforms(env: dict[str, str] | None = None) -> list[str]:
    """The platform plugins Qt will try, in order (as Qt 6 picks them on Linux).

    ``QT_QPA_PLATFORM`` may list several (``wayland;xcb``) and give options
    (``xcb:option``); Qt takes the first that loads. Empty: nothing to check
    (macOS, Windows: Qt's native plugin).
    """
    env = os.environ if env is None else env
    named = [part.split(":")[0].strip() for part in env.get("QT_QPA_PLATFORM", "").split(";")]
    named = [name for name in named if name]
    if named:
        return named
    if sys.platform.startswith("linux"):
        wayland_session = env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY")
        return ["wayland", "xcb"] if wayland_session else ["xcb"]
    return []


def diagnose(env: dict[str, str] | None = None) -> Diagnosis:
    """Check each platform Qt would try; the first that works, else the first's problems."""
    env = dict(os.environ if env is None else env)
    found = [_diagnose(platform, env) for platform in candidate_platforms(env) or [""]]
    return next((d for d in found if d.ok), found[0])


def _diagnose(platform: str, env: dict[str, str]) -> Diagnosis:
    """Check one platform plugin, its libraries and its display; never raises."""
    found = Diagnosis(platform or "native")
    if not platform or platform in NO_DISPLAY_NEEDED:
        return found
    plugins = qt_plugins_dir()
    if plugins is not None:
        available = sorted(m.group(1) for p in (plugins / "platforms").glob("libq*.so")
                           if (m := re.match(r"libq(.+)\.so$", p.name)))
        library = plugins / "platforms" / f"libq{platform}.so"
        if not library.is_file():
            found.problems.append(
                f"QT_QPA_PLATFORM names \"{platform}\", which this Qt does not have "
                f"(it has: {', '.join(available) or 'none'}); unset it or pick one of those")
            return found
        missing = missing_libraries(library)
        if platform == "xcb":
            missing += [lib for lib in XCB_RUNTIME_LIBS
                        if lib not in missing and not _loadable(lib)]
        if missing:
            found.missing_libraries = missing
            found.problems.append(f"Qt's {platform} plugin needs {', '.join(missing)}, "
                                  "which this system does not have")
    if platform == "xcb":
        _check_x11(env, found)
    elif platform.startswith("wayland"):
        _check_wayland(env, found)
    return found


def missing_libraries(library: Path) -> list[str]:
    """The shared libraries ``library`` links that the loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run([ldd, str(library)], capture_output=True, text=True,
                                 timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        names = re.findall(r"^\s*(\S+) => not found", out, re.MULTILINE)
        return list(dict.fromkeys(names))
    try:  # no ldd (musl, a minimal image): the loader names the first one it lacks
        ctypes.CDLL(str(library))
    except OSError as exc:
        match = re.search(r"([\w.+-]+\.so[\w.]*): cannot open shared object", str(exc))
        return [match.group(1)] if match else []
    return []


def _loadable(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def _check_x11(env: dict[str, str], found: Diagnosis) -> None:
    display = env.get("DISPLAY", "")
    if not display:
        found.problems.append("DISPLAY is not set: there is no X11 display to open the window "
                              "on (no desktop session, or an ssh login without -X)")
        return
    match = re.fullmatch(r"(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?", display)
    if match is None:
        found.problems.append(f"DISPLAY={display!r} is not a display name like ':0'")
        return
    if match["host"] in ("", "unix"):
        path = f"/tmp/.X11-unix/X{match['number']}"
        if not _connects(socket.AF_UNIX, path):
            found.problems.append(f"DISPLAY={display} names no running X server ({path} does "
                                  "not answer); start the desktop session, or run under "
                                  "xvfb-run")


def _check_wayland(env: dict[str, str], found: Diagnosis) -> None:
    name = env.get("WAYLAND_DISPLAY", "")
    if not name:
        found.problems.append("WAYLAND_DISPLAY is not set: there is no Wayland display "
                              "to open the window on")
        return
    runtime = env.get("XDG_RUNTIME_DIR", "")
    path = name if name.startswith("/") else os.path.join(runtime, name)
    if not _connects(socket.AF_UNIX, path):
        found.problems.append(f"WAYLAND_DISPLAY={name} does not answer ({path})")


def _connects(family: int, address: str) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(address)
    except OSError:
        return False
    return True
