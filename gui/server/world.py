"""The server's world: a flat world of block states, and where things are in it.

A :class:`FlatWorld` is vanilla's default superflat: bedrock, two layers of
dirt and grass on top (y -64 to -61) over a void, the same in every chunk.
Blocks that plugins (or, later, players) change are kept as overrides and
saved to ``<server>/<level-name>/blocks.json`` atomically, so they survive a
restart and are part of a backup. Block state ids are those of the Java
Edition version the server speaks (its generated block table), as Pumpkin's
WIT ``world.set-block-state`` expects.

Listeners (:meth:`FlatWorld.on_block_change`) hear every change; the Java
protocol uses that to send Block Update to the clients that see the chunk.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from gui.paths import atomic_write_text

log = logging.getLogger(__name__)

MIN_Y, HEIGHT = -64, 384  # the overworld's dimension type
SECTIONS = HEIGHT // 16
BLOCKS_FILE = "blocks.json"
AIR_BLOCKS = frozenset({"minecraft:air", "minecraft:cave_air", "minecraft:void_air"})


class Position(NamedTuple):
    """A point in the world (the feet of a player)."""

    x: float
    y: float
    z: float

    def chunk(self) -> tuple[int, int]:
        """The chunk column that holds this point."""
        return math.floor(self.x) >> 4, math.floor(self.z) >> 4


@dataclass(frozen=True)
class BlockType:
    """One block of the version's block table."""

    name: str  # "minecraft:stone"
    id: int
    min_state: int
    max_state: int
    default_state: int
    hardness: float
    emit_light: int
    filter_light: int
    solid: bool = True  # a full-cube collision box (minecraft-data's boundingBox "block")
    transparent: bool = False
    tool_required: bool = False
    properties: tuple[tuple[str, ...], ...] = ()  # (name, value, value, ...) in state order

    @property
    def is_air(self) -> bool:
        """Air, cave air or void air: nothing there (the chunk encoder does not count it)."""
        return self.name in AIR_BLOCKS

    def properties_of(self, state: int) -> list[tuple[str, str]]:
        """The property values of one of this block's states (``[("snowy", "false")]``).

        The last property varies fastest across the block's state ids.
        """
        offset, values = state - self.min_state, []
        for name, *choices in reversed(self.properties):
            offset, index = divmod(offset, len(choices))
            values.append((name, choices[index]))
        return values[::-1]


class BlockTable:
    """Block names <-> state ids, from the version's generated block table."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.blocks = [BlockType(name=f"minecraft:{r['name']}", id=r["id"],
                                 min_state=r["min_state"], max_state=r["max_state"],
                                 default_state=r["default_state"], hardness=r["hardness"],
                                 emit_light=r["emit_light"], filter_light=r["filter_light"],
                                 solid=r["solid"], transparent=r["transparent"],
                                 tool_required=r["tool_required"],
                                 properties=tuple(tuple(p) for p in r["properties"]))
                       for r in rows]
        self._by_name = {block.name: block for block in self.blocks}
        self._starts = [block.min_state for block in self.blocks]
        self.max_state = max(block.max_state for block in self.blocks)
        self.air_states = frozenset(block.default_state for block in self.blocks
                                    if block.is_air)

    def by_name(self, name: str) -> BlockType | None:
        """The block called ``name`` (``stone`` or ``minecraft:stone``)."""
        return self._by_name.get(name if ":" in name else f"minecraft:{name}")

    def of_state(self, state: int) -> BlockType:
        """The block a state id belongs to.

        Raises:
            ValueError: ``state`` is not a state id of this version.
        """
        if not 0 <= state <= self.max_state:
            raise ValueError(f"{state} is not a block state id (0-{self.max_state})")
        return self.blocks[bisect.bisect_right(self._starts, state) - 1]

    def state(self, name: str) -> int:
        block = self.by_name(name)
        if block is None:
            raise KeyError(f"No block named {name!r}")
        return block.default_state


BlockListener = Callable[[int, int, int, int], None]


class FlatWorld:
    """Vanilla's default superflat, plus the blocks that were changed.

    Attributes:
        name: The level name (``level-name``).
        blocks: The block table of the server's version.
        layers: The state id at each y of the ground, from ``MIN_Y`` up.
        spawn: Where players appear.
        age: Ticks since the world began; ``time_of_day`` likewise, mod 24000.
    """

    def __init__(self, blocks: BlockTable, *, name: str = "world",
                 folder: Path | None = None) -> None:
        self.name = name
        self.blocks = blocks
        self.folder = folder
        self.layers = (blocks.state("bedrock"), blocks.state("dirt"), blocks.state("dirt"),
                       blocks.state("grass_block"))
        self.spawn = Position(0.5, float(MIN_Y + len(self.layers)), 0.5)
        self.age = 0
        self.time_of_day = 6000  # noon: a new player sees the world lit
        self._changed: dict[tuple[int, int, int], int] = {}
        self._by_chunk: dict[tuple[int, int], dict[tuple[int, int, int], int]] = {}
        self._listeners: list[BlockListener] = []
        self._dirty = False

    # -- blocks -------------------------------------------------------------

    def base_state(self, y: int) -> int:
        """The generated state at height ``y`` (air above the ground)."""
        index = y - MIN_Y
        return self.layers[index] if 0 <= index < len(self.layers) else 0

    def get_state(self, x: int, y: int, z: int) -> int:
        """The state id at a block position (air outside the world's height)."""
        changed = self._changed.get((x, y, z))
        return changed if changed is not None else self.base_state(y)

    def set_state(self, x: int, y: int, z: int, state: int) -> None:
        """Change a block; listeners hear it.

        Raises:
            ValueError: ``y`` is outside the world, or ``state`` is not a state id.
        """
        if not MIN_Y <= y < MIN_Y + HEIGHT:
            raise ValueError(f"y={y} is outside the world ({MIN_Y} to {MIN_Y + HEIGHT - 1})")
        self.blocks.of_state(state)  # raises for an unknown id
        key, chunk = (x, y, z), (x >> 4, z >> 4)
        if state == self.base_state(y):
            self._changed.pop(key, None)
            self._by_chunk.get(chunk, {}).pop(key, None)
        else:
            self._changed[key] = state
            self._by_chunk.setdefault(chunk, {})[key] = state
        self._dirty = True
        for listener in list(self._listeners):
            try:
                listener(x, y, z, state)
            except Exception:
                log.exception("Block listener %r failed", listener)

    def changes_in(self, chunk_x: int, chunk_z: int) -> dict[tuple[int, int, int], int]:
        """The changed blocks of one chunk column (position -> state)."""
        return dict(self._by_chunk.get((chunk_x, chunk_z), {}))

    def top_y(self, x: int, z: int) -> int:
        """The y of the highest non-air block of the column (``MIN_Y - 1`` if none)."""
        changed = {y for (bx, y, bz) in self._by_chunk.get((x >> 4, z >> 4), {})
                   if bx == x and bz == z}
        for y in sorted(changed | set(range(MIN_Y, MIN_Y + len(self.layers))), reverse=True):
            if self.get_state(x, y, z) != 0:
                return y
        return MIN_Y - 1

    def on_block_change(self, listener: BlockListener) -> Callable[[], None]:
        """Call ``listener(x, y, z, state)`` on every change; returns its remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def tick(self, tick: int = 0) -> None:
        """One game tick: time passes."""
        self.age += 1
        self.time_of_day = (self.time_of_day + 1) % 24000

    # -- saving -------------------------------------------------------------

    def open(self, folder: Path, name: str) -> list[str]:
        """Use ``folder`` (``<server>/<level-name>``) and read its changed blocks.

        Returns:
            Problems found while reading (each names the file; nothing is lost).
        """
        self.folder, self.name = folder, name
        self._changed.clear()
        self._by_chunk.clear()
        return self.load()

    def load(self) -> list[str]:
        """Read the changed blocks from the world folder; returns problems (nothing lost)."""
        if self.folder is None:
            return []
        path = self.folder / BLOCKS_FILE
        if not path.exists():
            return []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [(int(x), int(y), int(z), int(s)) for x, y, z, s in data["blocks"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            broken = path.with_suffix(".json.broken")
            path.replace(broken)
            return [f"{path} could not be read ({exc}); moved it to {broken.name} and "
                    "started with an unchanged world"]
        problems = []
        for x, y, z, state in entries:
            try:
                self.set_state(x, y, z, state)
            except ValueError as exc:
                problems.append(f"{path}: skipped the block at {x} {y} {z}: {exc}")
        self._dirty = False
        return problems

    def save(self) -> None:
        """Write the changed blocks (temp file, then rename), if anything changed."""
        if self.folder is None or not self._dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        blocks = [[x, y, z, s] for (x, y, z), s in sorted(self._changed.items())]
        atomic_write_text(self.folder / BLOCKS_FILE,
                          json.dumps({"blocks": blocks}, separators=(",", ":")))
        self._dirty = False
