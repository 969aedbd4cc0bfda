"""The flat world: block table, changed blocks saved atomically, chunk sections encoded."""

from __future__ import annotations

import struct

import pytest

from gui.server.java.chunks import ChunkCache, paletted, section
from gui.server.java.version import game_version
from gui.server.java.wire import PacketReader
from gui.server.world import MIN_Y, BlockTable, FlatWorld


@pytest.fixture
def blocks() -> BlockTable:
    return BlockTable(game_version().blocks)


def test_block_table_names_and_states(blocks):
    assert blocks.state("stone") == 1 and blocks.state("minecraft:air") == 0
    grass = blocks.by_name("grass_block")
    assert grass.min_state <= grass.default_state <= grass.max_state
    assert blocks.of_state(grass.max_state).name == "minecraft:grass_block"
    with pytest.raises(ValueError, match="is not a block state id"):
        blocks.of_state(blocks.max_state + 1)


def test_block_facts_and_state_properties_come_from_the_table(blocks):
    grass = blocks.by_name("grass_block")
    assert grass.properties_of(grass.min_state) == [("snowy", "true")]
    assert grass.properties_of(grass.default_state) == [("snowy", "false")]
    assert grass.solid and not grass.transparent
    water = blocks.by_name("water")
    assert not water.solid and water.transparent
    assert water.properties_of(water.min_state + 15) == [("level", "15")]
    # Several properties: the last one varies fastest.
    stairs = blocks.by_name("oak_stairs")
    names = [p[0] for p in stairs.properties]
    first, second = stairs.properties_of(stairs.min_state), stairs.properties_of(
        stairs.min_state + 1)
    assert [n for n, _ in first] == names and first[:-1] == second[:-1]
    assert first[-1] != second[-1]
    assert len({tuple(stairs.properties_of(s)) for s in range(
        stairs.min_state, stairs.max_state + 1)}) == stairs.max_state - stairs.min_state + 1


def test_the_flat_world_and_its_changes_survive_a_restart(tmp_path, blocks):
    world = FlatWorld(blocks)
    world.open(tmp_path / "world", "world")
    assert world.get_state(5, MIN_Y, 5) == blocks.state("bedrock")
    assert world.get_state(5, MIN_Y + 3, 5) == blocks.state("grass_block")
    assert world.get_state(5, MIN_Y + 4, 5) == 0 and world.top_y(5, 5) == MIN_Y + 3
    heard = []
    world.on_block_change(lambda *change: heard.append(change))
    world.set_state(5, MIN_Y + 4, 5, blocks.state("gold_block"))
    world.set_state(6, MIN_Y + 3, 5, 0)  # dig out the grass
    assert heard == [(5, MIN_Y + 4, 5, blocks.state("gold_block")), (6, MIN_Y + 3, 5, 0)]
    assert world.top_y(5, 5) == MIN_Y + 4 and world.top_y(6, 5) == MIN_Y + 2
    with pytest.raises(ValueError, match="outside the world"):
        world.set_state(0, 400, 0, 1)
    world.save()
    assert not list((tmp_path / "world").glob("*.tmp*"))

    again = FlatWorld(blocks)
    assert again.open(tmp_path / "world", "world") == []
    assert again.get_state(5, MIN_Y + 4, 5) == blocks.state("gold_block")
    assert again.get_state(6, MIN_Y + 3, 5) == 0


def test_a_corrupt_blocks_file_is_set_aside_with_a_message(tmp_path, blocks):
    folder = tmp_path / "world"
    folder.mkdir()
    (folder / "blocks.json").write_text('{"blocks": [[1, 2')
    world = FlatWorld(blocks)
    problems = world.open(folder, "world")
    assert len(problems) == 1 and "blocks.json could not be read" in problems[0]
    assert (folder / "blocks.json.broken").exists()  # kept for the admin, not lost
    assert world.get_state(0, MIN_Y, 0) == blocks.state("bedrock")


def _unpack(data: bytes, bits: int, count: int) -> list[int]:
    per_long, mask = 64 // bits, (1 << bits) - 1
    values = []
    for (word,) in struct.iter_unpack(">Q", data):
        values += [(word >> (bits * i)) & mask for i in range(per_long)]
    return values[:count]


def test_paletted_containers_pack_as_the_client_reads_them():
    assert paletted([7] * 4096, min_bits=4, max_bits=8, direct_bits=15) == b"\x00\x07"
    values = [i % 3 for i in range(4096)]
    data = paletted([v + 10 for v in values], min_bits=4, max_bits=8, direct_bits=15)
    assert data[0] == 4 and data[1] == 3 and data[2:5] == bytes([10, 11, 12])
    assert len(data) == 5 + 256 * 8 and _unpack(data[5:], 4, 4096) == values
    direct = list(range(300)) * 14  # more than 256 states: direct ids
    data = paletted(direct[:4096], min_bits=4, max_bits=8, direct_bits=15)
    assert data[0] == 15 and _unpack(data[1:], 15, 4096) == direct[:4096]


def test_a_chunk_frame_reflects_a_changed_block(blocks):
    world = FlatWorld(blocks)
    air = frozenset({0})
    cache = ChunkCache(world, 0x2D, 40, air)
    plain = cache.frame(0, 0, None)
    assert cache.frame(0, 0, None) is plain  # cached
    first = section([world.base_state(MIN_Y + y) for y in range(16) for _ in range(256)], 40, air)
    assert struct.unpack(">hh", first[:4]) == (4 * 256, 0)
    world.set_state(3, MIN_Y + 10, 3, blocks.state("stone"))
    changed = cache.frame(0, 0, None)
    assert changed != plain and cache.frame(1, 0, None) != changed
    frame = PacketReader(changed)  # its "id" is the frame's length
    assert frame.packet_id == frame.remaining
    reader = PacketReader(frame.rest())
    assert reader.packet_id == 0x2D and (reader.i32(), reader.i32()) == (0, 0)
