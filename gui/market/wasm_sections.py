"""Top-level sections of a WebAssembly binary: read custom sections, strip, append.

Core modules and components share the framing this module needs: an 8-byte
preamble (``\\0asm`` + version/layer), then sections of ``id:u8``,
``size:u32 LEB128`` and ``size`` payload bytes. A custom section (id 0)
starts its payload with a LEB128-length-prefixed UTF-8 name. Nested modules
and components live inside other sections' payloads, so walking the top
level never looks into them; that is exactly what signing needs (Pumpkin's
``pumpkin.metadata`` and ``wasm_signature`` sections are top-level custom
sections, appended at the end of the binary).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gui.errors import PumpkinPatchError

MAGIC = b"\0asm"
PREAMBLE_SIZE = 8
CUSTOM_SECTION_ID = 0


class WasmFormatError(PumpkinPatchError, ValueError):
    """The bytes are not a well-framed WebAssembly binary; the message says where."""


@dataclass(frozen=True)
class Section:
    """One top-level section: its id, byte range in the binary and (custom only) name."""

    id: int
    start: int  # offset of the id byte
    end: int  # offset just past the payload
    payload_start: int
    name: str | None = None  # custom sections only
    content_start: int = 0  # custom sections: payload after the name

    def payload(self, wasm: bytes) -> bytes:
        """The section's payload (for a custom section: name included)."""
        return wasm[self.payload_start : self.end]

    def content(self, wasm: bytes) -> bytes:
        """A custom section's data after its name (the whole payload for other ids)."""
        return wasm[(self.content_start or self.payload_start) : self.end]


def read_uleb128(data: bytes, offset: int, *, limit: int = 5) -> tuple[int, int]:
    """Decode an unsigned LEB128 at ``offset``; returns ``(value, next offset)``.

    Raises:
        WasmFormatError: the number runs past the end or over ``limit`` bytes.
    """
    value = 0
    shift = 0
    for i in range(limit):
        if offset + i >= len(data):
            raise WasmFormatError(f"truncated LEB128 number at byte {offset}")
        byte = data[offset + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, offset + i + 1
        shift += 7
    raise WasmFormatError(f"LEB128 number at byte {offset} is longer than {limit} bytes")


def encode_uleb128(value: int) -> bytes:
    """Encode a non-negative integer as unsigned LEB128."""
    if value < 0:
        raise ValueError("LEB128 here is unsigned")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def check_preamble(wasm: bytes) -> None:
    """Raise :class:`WasmFormatError` unless ``wasm`` starts like a module or component."""
    if len(wasm) < PREAMBLE_SIZE or not wasm.startswith(MAGIC):
        raise WasmFormatError("not a WebAssembly binary (no \\0asm header)")


def iter_sections(wasm: bytes) -> Iterator[Section]:
    """Yield every top-level section in order.

    Raises:
        WasmFormatError: a section's size runs past the end, or a custom
            section's name is not valid UTF-8.
    """
    check_preamble(wasm)
    offset = PREAMBLE_SIZE
    while offset < len(wasm):
        start = offset
        section_id = wasm[offset]
        size, payload_start = read_uleb128(wasm, offset + 1)
        end = payload_start + size
        if end > len(wasm):
            raise WasmFormatError(
                f"section {section_id} at byte {start} claims {size} bytes but the file ends "
                f"{end - len(wasm)} bytes early"
            )
        if section_id == CUSTOM_SECTION_ID:
            name_len, name_start = read_uleb128(wasm, payload_start)
            content_start = name_start + name_len
            if content_start > end:
                raise WasmFormatError(f"custom section at byte {start} has a name longer "
                                      "than the section")
            try:
                name = wasm[name_start:content_start].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise WasmFormatError(f"custom section at byte {start} has a name that is "
                                      "not UTF-8") from exc
            yield Section(section_id, start, end, payload_start, name, content_start)
        else:
            yield Section(section_id, start, end, payload_start)
        offset = end


def custom_sections(wasm: bytes, name: str) -> list[bytes]:
    """The contents of every top-level custom section called ``name``, in order."""
    return [s.content(wasm) for s in iter_sections(wasm) if s.name == name]


def strip_custom_sections(wasm: bytes, names: Iterable[str]) -> bytes:
    """``wasm`` without the top-level custom sections whose name is in ``names``.

    Everything else is kept byte for byte, in order.
    """
    drop = set(names)
    parts = [wasm[:PREAMBLE_SIZE]]
    for section in iter_sections(wasm):
        if section.name is not None and section.name in drop:
            continue
        parts.append(wasm[section.start : section.end])
    return b"".join(parts)


def custom_section_bytes(name: str, content: bytes) -> bytes:
    """One encoded custom section (id, size, name, content)."""
    encoded_name = name.encode("utf-8")
    payload = encode_uleb128(len(encoded_name)) + encoded_name + content
    return bytes([CUSTOM_SECTION_ID]) + encode_uleb128(len(payload)) + payload


def append_custom_section(wasm: bytes, name: str, content: bytes) -> bytes:
    """``wasm`` with a custom section ``name`` appended at the end."""
    check_preamble(wasm)
    return wasm + custom_section_bytes(name, content)
