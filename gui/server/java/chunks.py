"""Chunk columns of the flat world as Chunk Data and Update Light packets.

A column is 24 sections of 16x16x16 blocks from y -64. Each section is: i16
non-air block count, i16 fluid count (new in 26.1), the block states as a
paletted container, the biomes as another. A paletted container is one byte
of bits per entry; 0 means one value for the whole section (then a VarInt
id); 4-8 bits mean an indirect palette (VarInt length, VarInt ids) followed by
the packed longs (no length prefix since 1.21.5: the count follows from the
bits); more bits mean direct global ids (15 for this version's states).
Entries are packed low bits first, ``64 // bits`` per long, never split.

Light: the section below the world has no sky light, the ground section has
sky light 15 above the ground and 0 in it, and the sections above carry no
light data, which a client reads as open sky (a section without data takes
the light of the first section above it that has some, and full sky light
when there is none). Block light is empty everywhere (nothing glows). So a
column is a few KiB instead of the ~55 KiB that full light arrays take, which
is what a client parses 441 times at view distance 10.

Every unchanged column is the same but for its x and z, so its section data
is built once per world; :class:`ChunkCache` keeps each column's finished
frame (compressed once, for every player) until a block in it changes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from gui.server.java.wire import PacketWriter, encode_frame, varint
from gui.server.world import MIN_Y, SECTIONS, FlatWorld

DIRECT_BITS = 15  # ceil(log2(states)) for 26.1's block states
LIGHT_SECTIONS = SECTIONS + 2  # one below and one above the world


def ground_light(ground_layers: int) -> bytes:
    """Sky light of the ground section: 0 in the ground, 15 above (nibbles, y-major)."""
    dark = ground_layers * 256 // 2  # two blocks a byte
    return varint(2048) + b"\x00" * dark + b"\xff" * (2048 - dark)


def _packed(values: list[int], bits: int) -> bytes:
    per_long = 64 // bits
    out = bytearray()
    for start in range(0, len(values), per_long):
        word = 0
        for offset, value in enumerate(values[start:start + per_long]):
            word |= value << (bits * offset)
        out += struct.pack(">Q", word)
    return bytes(out)


def paletted(values: list[int], *, min_bits: int, max_bits: int, direct_bits: int) -> bytes:
    """One paletted container for ``values`` (4096 block states or 64 biomes)."""
    palette = list(dict.fromkeys(values))
    if len(palette) == 1:
        return b"\x00" + varint(palette[0])
    bits = max(min_bits, (len(palette) - 1).bit_length())
    if bits > max_bits:
        return bytes([direct_bits]) + _packed(values, direct_bits)
    index = {value: i for i, value in enumerate(palette)}
    head = bytes([bits]) + varint(len(palette)) + b"".join(varint(v) for v in palette)
    return head + _packed([index[v] for v in values], bits)


def section(states: list[int], biome: int, air: frozenset[int]) -> bytes:
    """One section: counts, block states (y, z, x order), one biome throughout."""
    solid = sum(1 for state in states if state not in air)
    blocks = paletted(states, min_bits=4, max_bits=8, direct_bits=DIRECT_BITS)
    return struct.pack(">hh", solid, 0) + blocks + b"\x00" + varint(biome)


def column_data(world: FlatWorld, chunk_x: int, chunk_z: int, biome: int,
                air: frozenset[int]) -> bytes:
    """The 24 sections of one column, with the world's changes applied."""
    changes = world.changes_in(chunk_x, chunk_z)
    parts = []
    for index in range(SECTIONS):
        base_y = MIN_Y + index * 16
        states = [world.base_state(base_y + y) for y in range(16) for _ in range(256)]
        for (x, y, z), state in changes.items():
            if base_y <= y < base_y + 16:
                states[((y - base_y) * 16 + (z & 15)) * 16 + (x & 15)] = state
        parts.append(section(states, biome, air))
    return b"".join(parts)


def chunk_packet(packet_id: int, chunk_x: int, chunk_z: int, data: bytes,
                 light: bytes) -> bytes:
    """The Chunk Data and Update Light body (no heightmaps, no block entities).

    ``light`` is the ground section's sky light (see :func:`ground_light`).
    """
    writer = (PacketWriter(packet_id).i32(chunk_x).i32(chunk_z)
              .varint(0)  # heightmaps: clients recompute them
              .varint(len(data)).raw(data)
              .varint(0)  # block entities
              .varint(1).i64(0b10)  # sky light data: the ground section (bit 0 is below it)
              .varint(0)  # block light data: none
              .varint(1).i64(0b01)  # no sky light below the world
              .varint(1).i64((1 << LIGHT_SECTIONS) - 1)  # no block light anywhere
              .varint(1).raw(light)
              .varint(0))
    return writer.body


class ChunkCache:
    """Finished Chunk Data frames of one world, per column and compression setting.

    Built on first use and shared by every connection; a block change drops
    its column's frames.
    """

    def __init__(self, world: FlatWorld, packet_id: int, biome: int,
                 air: frozenset[int]) -> None:
        self.world, self.packet_id, self.biome, self.air = world, packet_id, biome, air
        self._plain: bytes | None = None  # section data of an unchanged column
        self._light = ground_light(len(world.layers))
        self._frames: dict[tuple[int, int, int | None], bytes] = {}
        self.built = 0
        self._remove: Callable[[], None] | None = world.on_block_change(self._changed)

    def close(self) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None

    def _changed(self, x: int, y: int, z: int, state: int) -> None:
        column = (x >> 4, z >> 4)
        for key in [k for k in self._frames if k[:2] == column]:
            del self._frames[key]

    def frame(self, chunk_x: int, chunk_z: int, threshold: int | None) -> bytes:
        """The encoded frame of a column for a connection with ``threshold``."""
        key = (chunk_x, chunk_z, threshold)
        frame = self._frames.get(key)
        if frame is None:
            if self.world.changes_in(chunk_x, chunk_z):
                data = column_data(self.world, chunk_x, chunk_z, self.biome, self.air)
            else:
                if self._plain is None:
                    self._plain = column_data(self.world, chunk_x, chunk_z, self.biome,
                                              self.air)
                data = self._plain
            body = chunk_packet(self.packet_id, chunk_x, chunk_z, data, self._light)
            frame = encode_frame(body, threshold)
            self.built += 1
            if len(self._frames) > 8192:  # a bounded cache: players far apart
                self._frames.clear()
            self._frames[key] = frame
        return frame
