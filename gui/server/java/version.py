"""One Java Edition version's data tables: packet ids, registries, blocks, sounds.

Everything that differs between game versions is read from the generated
files in ``data/<protocol>/`` (see ``data/generate.py``), so the protocol
code names packets (``ids.play_out["login"]``) and never hard-codes a
number. Adding a version is adding its data folder plus whatever codec
change that version brings.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PROTOCOL = 775


@dataclass(frozen=True)
class Registry:
    """A registry sent during configuration: its id and entries (key, NBT-as-JSON)."""

    id: str
    entries: tuple[tuple[str, Any], ...]

    def index(self, key: str) -> int:
        """The network id of ``key`` (its position in the registry)."""
        for position, (entry, _) in enumerate(self.entries):
            if entry == key:
                return position
        raise KeyError(f"{key} is not in {self.id}")


class GameVersion:
    """The data of one protocol version.

    Attributes:
        protocol: The protocol number (775).
        name: The version players know (``"26.1"``).
        source: Where the data came from.
    """

    def __init__(self, folder: Path) -> None:
        table = json.loads((folder / "protocol.json").read_text())
        self.folder = folder
        self.protocol: int = table["protocol"]
        self.name: str = table["name"]
        self.source: str = table["source"]
        self._packets: dict[str, dict[str, dict[str, int]]] = table["packets"]
        self.parsers: dict[str, int] = table["parsers"]

    def clientbound(self, state: str) -> dict[str, int]:
        """Packet name -> id, for packets the server sends in ``state``."""
        return self._packets[state]["clientbound"]

    def serverbound(self, state: str) -> dict[int, str]:
        """Packet id -> name, for packets a client sends in ``state``."""
        return {i: name for name, i in self._packets[state]["serverbound"].items()}

    def _gz(self, name: str) -> Any:
        return json.loads(gzip.decompress((self.folder / name).read_bytes()))

    @functools.cached_property
    def registries(self) -> tuple[Registry, ...]:
        """The registries a client needs, in the order they are sent."""
        data = self._gz("registries.json.gz")["registries"]
        return tuple(Registry(r["id"], tuple((e["key"], e["value"]) for e in r["entries"]))
                     for r in data)

    def registry(self, registry_id: str) -> Registry:
        for registry in self.registries:
            if registry.id == registry_id:
                return registry
        raise KeyError(registry_id)

    @functools.cached_property
    def sounds(self) -> tuple[str, ...]:
        """Sound event names (``"block.anvil.land"``), in registry order."""
        return tuple(self._gz("sounds.json.gz")["sounds"])

    @functools.cached_property
    def blocks(self) -> list[dict[str, Any]]:
        """One dict per block (name, id, min_state, max_state, default_state, ...)."""
        data = self._gz("blocks.json.gz")
        columns = data["columns"]
        return [dict(zip(columns, row, strict=True)) for row in data["blocks"]]


@functools.cache
def game_version(protocol: int = DEFAULT_PROTOCOL) -> GameVersion:
    """The data of ``protocol`` (loaded once per process).

    Raises:
        LookupError: No data folder for that protocol.
    """
    folder = DATA_DIR / str(protocol)
    if not (folder / "protocol.json").is_file():
        known = sorted(p.name for p in DATA_DIR.iterdir() if (p / "protocol.json").is_file())
        raise LookupError(f"No Java Edition data for protocol {protocol} (have: "
                          f"{', '.join(known)})")
    return GameVersion(folder)
