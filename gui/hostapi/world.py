"""Host side of ``pumpkin:plugin/world``: the server's flat world as plugins see it.

``world`` handles are the server's :class:`~gui.server.world.FlatWorld`.
Block states are the Java Edition state ids of the version the server
speaks (as in Pumpkin); a change is made on the server loop, and every
client that has the chunk loaded gets a Block Update.
"""

from __future__ import annotations

from typing import Any

from wasmtime.component import Record

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.values import block_pos, wit_record
from gui.server.text import TextComponent
from gui.server.world import MIN_Y, BlockType, FlatWorld

DIMENSION = "minecraft:overworld"
SEA_LEVEL = -63  # a superflat's, as vanilla sends it


class WorldApi(HostInterface):
    interface = "world"

    @wit("[method]world.get-id")
    def get_id(self, this: FlatWorld) -> str:
        return DIMENSION

    @wit("[method]world.get-name")
    def get_name(self, this: FlatWorld) -> str:
        return this.name

    @wit("[method]world.get-dimension")
    def get_dimension(self, this: FlatWorld) -> str:
        return DIMENSION

    @wit("[method]world.get-min-y")
    def get_min_y(self, this: FlatWorld) -> int:
        return MIN_Y

    @wit("[method]world.get-sea-level")
    def get_sea_level(self, this: FlatWorld) -> int:
        return SEA_LEVEL

    @wit("[method]world.get-time-of-day")
    def get_time_of_day(self, this: FlatWorld) -> int:
        return this.time_of_day

    @wit("[method]world.get-world-age")
    def get_world_age(self, this: FlatWorld) -> int:
        return this.age

    @wit("[method]world.get-top-block-y")
    def get_top_block_y(self, this: FlatWorld, x: int, z: int) -> int:
        return this.top_y(x, z)

    @wit("[method]world.get-block-state-id")
    def get_block_state_id(self, this: FlatWorld, pos: Any) -> int:
        return this.get_state(*block_pos(pos))

    @wit("[method]world.get-block-state")
    def get_block_state(self, this: FlatWorld, pos: Any) -> Record:
        state = this.get_state(*block_pos(pos))
        return block_state_record(this.blocks.of_state(state), state)

    @wit("[method]world.set-block-state")
    def set_block_state(self, this: FlatWorld, pos: Any, state: int, flags: Any) -> None:
        x, y, z = block_pos(pos)
        this.blocks.of_state(state)  # an unknown id is the plugin's error, raised here
        self.scope.post(this.set_state, x, y, z, state)

    @wit("[method]world.set-block-by-name")
    def set_block_by_name(self, this: FlatWorld, pos: Any, name: str, flags: Any) -> bool:
        block = this.blocks.by_name(name)
        if block is None:
            return False
        x, y, z = block_pos(pos)
        self.scope.post(this.set_state, x, y, z, block.default_state)
        return True

    @wit("[method]world.broadcast-system-message")
    def broadcast_system_message(self, this: FlatWorld, message: TextComponent,
                                 overlay: bool) -> None:
        kind = "actionbar" if overlay else "system"
        for player in list(self.scope.server.players):
            self.scope.post(player.send_message, message, kind)


_LIQUIDS = frozenset({"minecraft:water", "minecraft:lava"})
_CUBE = [wit_record(min=(0.0, 0.0, 0.0), max=(1.0, 1.0, 1.0))]


def block_state_record(block: BlockType, state: int) -> Record:
    """The ``world.block-state`` record of one state, from the version's block table.

    The table (npm minecraft-data) knows names, light, hardness, whether the
    block is a full solid cube, transparency, tool need and properties; the
    record's other facts (piston behaviour, map colour, instrument, random
    ticks, block entity) are not in it and are given as the common case.
    """
    solid = block.solid
    return wit_record(
        id=state, block_id=block.id, block_name=block.name,
        luminance=block.emit_light, opacity=block.filter_light, hardness=block.hardness,
        is_air=block.is_air, is_liquid=block.name in _LIQUIDS, is_solid=solid,
        is_full_cube=solid, piston_behavior="normal", has_random_ticks=False,
        burnable=False, tool_required=block.tool_required,
        sided_transparency=block.transparent, replaceable=block.is_air,
        is_solid_block=solid and not block.transparent, block_entity_type=0,
        instrument="harp", collision_shapes=_CUBE if solid else [],
        outline_shapes=_CUBE if solid else [],
        down_side_solid=solid, up_side_solid=solid, north_side_solid=solid,
        south_side_solid=solid, west_side_solid=solid, east_side_solid=solid,
        down_center_solid=solid, up_center_solid=solid, map_color=0,
        properties=block.properties_of(state))
