"""A plugin project on disk: its name, language and the world it is built against.

A project is a directory holding ``<name>.py`` (Python, Pumpkin's SDK
pumpkin-api-py) or ``<name>.js`` (JavaScript, componentize-js), where
``<name>`` is the directory's name, and optionally ``pumpkin-plugin.toml``::

    name = "notebook"           # the module; default: the directory's name
    language = "python"         # or "js"; default: whichever module file exists
    world = "pumpkin-patch"     # or "pumpkin" (the default)

``world = "pumpkin"`` builds against Pumpkin's own world
(``pumpkin:plugin/plugin@0.1.0``): the plugin runs on any Pumpkin host.
``world = "pumpkin-patch"`` builds against this project's world
(``pumpkin-patch:host/plugin@0.1.0``, wit/), which adds storage, notify and
status; such a plugin needs a host that offers them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from gui.errors import PumpkinPatchError

MANIFEST = "pumpkin-plugin.toml"
LANGUAGES = {"python": ".py", "js": ".js"}
WORLDS = ("pumpkin", "pumpkin-patch")


class ProjectError(PumpkinPatchError):
    """The directory is not a plugin project, or its manifest is wrong; says which and why."""


@dataclass(frozen=True)
class PluginProject:
    directory: Path
    name: str
    language: str
    world: str = "pumpkin"

    @property
    def entry(self) -> Path:
        """The module file the build starts from."""
        return self.directory / f"{self.name}{LANGUAGES[self.language]}"

    @property
    def uses_host_world(self) -> bool:
        return self.world == "pumpkin-patch"

    @classmethod
    def load(cls, directory: Path, name: str | None = None) -> PluginProject:
        """The project in ``directory`` (``name``: the module, when not the folder's name)."""
        directory = Path(directory).resolve()
        if not directory.is_dir():
            raise ProjectError(f"{directory} is not a directory; give the plugin project's "
                               "folder (made with 'pumpkin-patch sdk new NAME')")
        manifest = directory / MANIFEST
        data: dict[str, object] = {}
        if manifest.is_file():
            try:
                data = tomllib.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ProjectError(f"{manifest} cannot be read: {exc}; fix it or delete it "
                                   "(the defaults are the folder's name and Pumpkin's world)"
                                   ) from exc
        module = str(data.get("name") or name or directory.name)
        language = data.get("language")
        if language is None:
            found = [lang for lang, ext in LANGUAGES.items()
                     if (directory / f"{module}{ext}").is_file()]
            if not found:
                raise ProjectError(f"{directory} has no {module}.py or {module}.js; a plugin "
                                   "project's module is named after its folder")
            language = found[0]
        if language not in LANGUAGES:
            raise ProjectError(f"{manifest}: language must be one of "
                               f"{', '.join(LANGUAGES)}, not {language!r}")
        world = str(data.get("world", "pumpkin"))
        if world not in WORLDS:
            raise ProjectError(f"{manifest}: world must be one of {', '.join(WORLDS)}, "
                               f"not {world!r}")
        project = cls(directory, module, str(language), world)
        if not project.entry.is_file():
            raise ProjectError(f"{project.entry} does not exist ({manifest.name} names "
                               f"{module!r} in {language})")
        return project
