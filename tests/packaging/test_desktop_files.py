"""The desktop entry, the AppStream metainfo and the icons: valid, and agreeing with gui.appinfo.

The validators are Debian's ``desktop-file-validate`` (desktop-file-utils) and
``appstreamcli`` (appstream). ``.ci/run`` installs them; on a developer's
machine without them those two tests skip, and in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import gui
from gui.appinfo import APP_ID, APP_NAME, COMMAND

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
ICONS = PACKAGING / "icons" / "hicolor"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is missing in CI: .ci/run installs it with apt-get "
                    "(desktop-file-utils, appstream); run it as root on Debian")
    pytest.skip(f"{name} is not installed (apt-get install desktop-file-utils appstream)")


def test_desktop_file_validates():
    done = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # Hints and warnings count too: a clean file stays clean.
    assert not done.stdout.strip(), done.stdout


def test_metainfo_validates():
    done = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", "--explain",
                           str(METAINFO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation was successful" in done.stdout, done.stdout
    assert "W:" not in done.stdout and "E:" not in done.stdout, done.stdout


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_desktop_entry_names_the_one_app_id_and_command():
    entry = _desktop_entry()
    assert entry["Name"] == APP_NAME
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == COMMAND
    assert entry["TryExec"] == COMMAND
    # Qt's xcb windows carry WM_CLASS (argv[0], applicationName): the class is APP_NAME.
    assert entry["StartupWMClass"] == APP_NAME


def test_the_metainfo_has_what_software_centres_show():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == APP_NAME
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == COMMAND
    assert root.findtext("icon") == APP_ID
    assert len(root.findall("description/p")) >= 2
    assert root.find("content_rating").get("type") == "oars-1.1"
    screenshots = root.findall("screenshots/screenshot")
    assert screenshots and all(s.findtext("caption") for s in screenshots)
    for shot in screenshots:  # each image URL points at a file in this repository
        name = shot.findtext("image").rsplit("/packaging/", 1)[1]
        assert (PACKAGING / name).is_file(), name
    releases = [r.get("version") for r in root.findall("releases/release")]
    assert releases[0] == gui.__version__  # newest first, and it is this version


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_icons_svg_and_every_png_size():
    svg = ICONS / "scalable" / "apps" / f"{APP_ID}.svg"
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    for size in PNG_SIZES:
        assert _png_size(ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png") == (size, size)


def test_qt_gets_the_app_id_as_its_desktop_file_name(qapp):
    from gui.app import create_qapplication

    interval = sys.getswitchinterval()
    try:
        app = create_qapplication()
        assert app.desktopFileName() == APP_ID
    finally:
        sys.setswitchinterval(interval)
