"""``sdk new``: a minimal plugin project from the templates in ``resources/sdk/templates``.

Each template folder (``python``, ``js``) holds files whose names and text
say ``__name__`` for the plugin's name (``__Class__`` for its class name);
the new project is a folder of that name with the files filled in. Nothing
is overwritten: a folder that exists is refused.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from gui.devkit.project import LANGUAGES, ProjectError
from gui.paths import unsafe_name_reason

TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "sdk" / "templates"


def new_project(name: str, language: str, parent: Path) -> Path:
    """Write the project ``parent/name``; returns its folder.

    Raises:
        ProjectError: a bad name or language, or the folder exists.
    """
    if language not in LANGUAGES:
        raise ProjectError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    why = unsafe_name_reason(name)
    if why or not name.isidentifier():
        raise ProjectError(f"{name!r} cannot name a plugin project: "
                           f"{why or 'use letters, digits and _ (it is also the module name)'}")
    target = Path(parent) / name
    if target.exists():
        raise ProjectError(f"{target} already exists; choose another name or folder "
                           "(nothing was changed)")
    class_name = "".join(part.capitalize() for part in name.split("_")) or "Plugin"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Filled in beside the target, then renamed: no half-written project.
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        for source in sorted((TEMPLATES / language).iterdir()):
            text = source.read_text(encoding="utf-8")
            text = text.replace("__Class__", class_name).replace("__name__", name)
            (tmp / source.name.replace("__name__", name)).write_text(text, encoding="utf-8")
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
