"""Java Edition wire format: field codecs, frames and compression.

Every packet is a frame ``VarInt length, body``; the body is ``VarInt id``
then the fields. Once the server has sent Set Compression, every frame in
both directions is ``VarInt length, VarInt data length, data``: data length 0
means the data is not compressed, otherwise the data is zlib and inflates to
exactly that many bytes.

:class:`PacketReader` reads the fields of one received body and raises
:class:`ProtocolError` (naming what was wrong) on anything the protocol does
not allow: a truncated field, an overlong VarInt, a string over its limit.
:class:`PacketWriter` builds a body. :func:`read_frame` enforces the frame
limits: a declared length over the state's limit, a compressed frame whose
declared size is over :data:`MAX_INFLATED` (a compression bomb) or that does
not inflate to its declared size, are protocol errors before any large
buffer is allocated.
"""

from __future__ import annotations

import asyncio
import struct
import uuid as _uuid
import zlib
from typing import Any

from gui.server.listener import PeerProtocolError

# Vanilla's limits: a frame's length is at most a 3-byte VarInt, and a
# compressed frame inflates to at most 8 MiB.
MAX_FRAME = (1 << 21) - 1
MAX_INFLATED = 1 << 23

_I8, _U8, _I16, _U16 = struct.Struct(">b"), struct.Struct(">B"), struct.Struct(">h"), \
    struct.Struct(">H")
_I32, _U32, _I64 = struct.Struct(">i"), struct.Struct(">I"), struct.Struct(">q")
_F32, _F64 = struct.Struct(">f"), struct.Struct(">d")


class ProtocolError(PeerProtocolError):
    """A peer sent something the Java Edition protocol does not allow."""


def _varnum(value: int, bits: int) -> bytes:
    value &= (1 << bits) - 1  # two's complement
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint(value: int) -> bytes:
    """A VarInt: the 32-bit two's complement value, 7 bits a byte, low first."""
    return _varnum(value, 32)


def varlong(value: int) -> bytes:
    """A VarLong: as :func:`varint`, for 64 bits."""
    return _varnum(value, 64)


def block_position(x: int, y: int, z: int) -> int:
    """The packed ``position`` long: x 26 bits, z 26 bits, y 12 bits, high to low."""
    packed = ((x & 0x3FFFFFF) << 38) | ((z & 0x3FFFFFF) << 12) | (y & 0xFFF)
    return packed - (1 << 64) if packed >= 1 << 63 else packed


class PacketWriter:
    """Builds one packet body: ``PacketWriter(id).string(...).i64(...).body``."""

    __slots__ = ("_out",)

    def __init__(self, packet_id: int) -> None:
        self._out = bytearray(varint(packet_id))

    @property
    def body(self) -> bytes:
        return bytes(self._out)

    def raw(self, data: bytes) -> PacketWriter:
        self._out += data
        return self

    def varint(self, value: int) -> PacketWriter:
        self._out += varint(value)
        return self

    def varlong(self, value: int) -> PacketWriter:
        self._out += varlong(value)
        return self

    def string(self, text: str) -> PacketWriter:
        data = text.encode("utf-8")
        self._out += varint(len(data))
        self._out += data
        return self

    def bool(self, value: bool) -> PacketWriter:
        self._out.append(1 if value else 0)
        return self

    def _fixed(self, codec: struct.Struct, value: float) -> PacketWriter:
        self._out += codec.pack(value)
        return self

    def i8(self, value: int) -> PacketWriter:
        return self._fixed(_I8, value)

    def u8(self, value: int) -> PacketWriter:
        return self._fixed(_U8, value)

    def u16(self, value: int) -> PacketWriter:
        return self._fixed(_U16, value)

    def i32(self, value: int) -> PacketWriter:
        return self._fixed(_I32, value)

    def u32(self, value: int) -> PacketWriter:
        return self._fixed(_U32, value)

    def i64(self, value: int) -> PacketWriter:
        return self._fixed(_I64, value)

    def f32(self, value: float) -> PacketWriter:
        return self._fixed(_F32, value)

    def f64(self, value: float) -> PacketWriter:
        return self._fixed(_F64, value)

    def uuid(self, value: _uuid.UUID) -> PacketWriter:
        self._out += value.bytes
        return self

    def position(self, x: int, y: int, z: int) -> PacketWriter:
        return self.i64(block_position(x, y, z))


class PacketReader:
    """Reads the fields of one packet body, strictly.

    Attributes:
        packet_id: The packet's id (read on construction).
    """

    __slots__ = ("_at", "_data", "packet_id")

    def __init__(self, body: bytes) -> None:
        self._data, self._at = body, 0
        self.packet_id = self.varint()

    @property
    def remaining(self) -> int:
        return len(self._data) - self._at

    def take(self, size: int) -> bytes:
        if size < 0 or self._at + size > len(self._data):
            raise ProtocolError(f"packet {self.packet_id:#04x} shorter than its fields")
        raw = self._data[self._at:self._at + size]
        self._at += size
        return raw

    def rest(self) -> bytes:
        return self.take(self.remaining)

    def _varnum(self, max_bytes: int, bits: int) -> int:
        result = 0
        for index in range(max_bytes):
            if self._at >= len(self._data):
                raise ProtocolError("a packet that ends inside a VarInt")
            byte = self._data[self._at]
            self._at += 1
            result |= (byte & 0x7F) << (7 * index)
            if not byte & 0x80:
                result &= (1 << bits) - 1
                return result - (1 << bits) if result >> (bits - 1) else result
        raise ProtocolError(f"a VarInt longer than {max_bytes} bytes")

    def varint(self) -> int:
        return self._varnum(5, 32)

    def varlong(self) -> int:
        return self._varnum(10, 64)

    def string(self, max_chars: int = 32767) -> str:
        size = self.varint()
        if not 0 <= size <= max_chars * 3:
            raise ProtocolError(f"a string of {size} bytes (the limit is {max_chars} chars)")
        try:
            text = self.take(size).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("a string that is not UTF-8") from exc
        if len(text) > max_chars:
            raise ProtocolError(f"a string of {len(text)} chars (the limit is {max_chars})")
        return text

    def bool(self) -> bool:
        value = self.take(1)[0]
        if value > 1:
            raise ProtocolError(f"a boolean of value {value}")
        return value == 1

    def _fixed(self, codec: struct.Struct) -> Any:
        return codec.unpack(self.take(codec.size))[0]

    def i8(self) -> int:
        return self._fixed(_I8)

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return self._fixed(_U16)

    def i32(self) -> int:
        return self._fixed(_I32)

    def i64(self) -> int:
        return self._fixed(_I64)

    def f32(self) -> float:
        return self._fixed(_F32)

    def f64(self) -> float:
        return self._fixed(_F64)

    def uuid(self) -> _uuid.UUID:
        return _uuid.UUID(bytes=self.take(16))


async def read_length(reader: asyncio.StreamReader) -> int:
    """The next frame length on the stream: a VarInt of at most 5 bytes, read unsigned."""
    result = 0
    for index in range(5):
        byte = (await reader.readexactly(1))[0]
        result |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return result & 0xFFFFFFFF
    raise ProtocolError("a frame length longer than 5 bytes")


def _inflate(data: bytes, declared: int, threshold: int) -> bytes:
    if declared < threshold:
        raise ProtocolError(f"a compressed frame of {declared} bytes, under the compression "
                            f"threshold of {threshold}")
    if declared > MAX_INFLATED:
        raise ProtocolError(f"a compressed frame claiming {declared} bytes (the limit is "
                            f"{MAX_INFLATED})")
    inflater = zlib.decompressobj()
    try:
        body = inflater.decompress(data, declared + 1)  # never more than claimed
    except zlib.error as exc:
        raise ProtocolError(f"a compressed frame that is not zlib ({exc})") from exc
    if len(body) != declared:
        raise ProtocolError(f"a compressed frame of {len(body)}+ bytes that claimed {declared}")
    return body


async def read_frame(reader: asyncio.StreamReader, limit: int, threshold: int | None) -> bytes:
    """Read one frame and return its packet body (id and fields), inflated.

    Args:
        reader: The connection.
        limit: The largest body the current state allows.
        threshold: The compression threshold once compression is on, else ``None``.

    Raises:
        ProtocolError: The frame breaks a limit or is malformed.
        asyncio.IncompleteReadError: The peer went away mid-frame.
    """
    length = await read_length(reader)
    if not 1 <= length <= min(MAX_FRAME, limit + 5):
        raise ProtocolError(f"a frame of {length} bytes (the limit here is {limit})")
    frame = await reader.readexactly(length)
    if threshold is None:
        body = frame
    else:
        head = PacketReader.__new__(PacketReader)
        head._data, head._at, head.packet_id = frame, 0, -1
        declared = head.varint()
        rest = frame[head._at:]
        body = rest if declared == 0 else _inflate(rest, declared, threshold)
    if not body or len(body) > limit:
        raise ProtocolError(f"a packet of {len(body)} bytes (the limit here is {limit})")
    return body


def encode_frame(body: bytes, threshold: int | None, level: int = 1) -> bytes:
    """The frame for ``body``, compressed when compression is on and it is big enough."""
    if threshold is None:
        return varint(len(body)) + body
    if len(body) < threshold:
        inner = b"\x00" + body
    else:
        inner = varint(len(body)) + zlib.compress(body, level)
    return varint(len(inner)) + inner
