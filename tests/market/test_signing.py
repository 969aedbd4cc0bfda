"""Custom sections and Ed25519 signatures in Pumpkin's format; wasmtime runs signed files."""

from __future__ import annotations

import json

import pytest
import wasmtime
from wasmtime import component

from gui.market.signing import (
    METADATA_SECTION,
    SIGNATURE_SECTION,
    SignatureError,
    classify,
    fingerprint,
    generate_key,
    load_private_key,
    public_key_hex,
    read_signature,
    save_private_key,
    sign_wasm,
    signing_metadata,
    verify_signature,
)
from gui.market.wasm_sections import (
    WasmFormatError,
    append_custom_section,
    custom_sections,
    encode_uleb128,
    iter_sections,
    read_uleb128,
    strip_custom_sections,
)
from tests.market.conftest import plugin_wasm


def metadata(name: str = "hello", version: str = "1.0.0") -> dict:
    return signing_metadata(plugin_id="hello-1", plugin_name=name, version=version,
                            dev_name="tests")


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 16384, 2**32 - 1])
def test_leb128_round_trip(value):
    encoded = encode_uleb128(value)
    assert read_uleb128(encoded + b"\xff", 0) == (value, len(encoded))


def test_sections_append_and_strip_keep_everything_else():
    wasm = plugin_wasm("hello", "1.0.0").read_bytes()
    signed = append_custom_section(wasm, "x.test", b"payload")
    assert custom_sections(signed, "x.test") == [b"payload"]
    assert strip_custom_sections(signed, ["x.test"]) == wasm
    assert [s.id for s in iter_sections(signed)][-1] == 0


def test_truncated_binary_is_a_clear_error():
    wasm = plugin_wasm("hello", "1.0.0").read_bytes()
    with pytest.raises(WasmFormatError, match=r"ends .* bytes early"):
        list(iter_sections(wasm[:-10]))
    with pytest.raises(WasmFormatError, match="no \\\\0asm header"):
        list(iter_sections(b"hello world"))


def test_sign_then_verify_with_the_pinned_key():
    key = generate_key()
    wasm = plugin_wasm("hello", "1.0.0").read_bytes()
    signed = sign_wasm(wasm, key, metadata())
    parts = verify_signature(signed, public_key_hex(key), source="tests")
    assert parts.metadata["plugin_name"] == "hello"
    assert parts.unsigned == wasm
    # Pumpkin's envelope, exactly.
    envelope = json.loads(custom_sections(signed, SIGNATURE_SECTION)[0])
    assert envelope["version"] == 1 and envelope["algorithm"] == "Ed25519"
    assert envelope["public_key_hex"] == public_key_hex(key)
    assert len(bytes.fromhex(envelope["signature_hex"])) == 64
    assert set(json.loads(custom_sections(signed, METADATA_SECTION)[0])) >= {
        "marketplace_url", "plugin_id", "plugin_name", "version", "dev_id", "dev_name",
        "is_paid", "user_id", "license_key", "issued_at"}
    # Re-signing replaces the sections instead of stacking them.
    again = sign_wasm(signed, key, metadata(version="1.0.1"))
    assert len(custom_sections(again, SIGNATURE_SECTION)) == 1


def test_signed_component_still_compiles_in_wasmtime():
    key = generate_key()
    signed = sign_wasm(plugin_wasm("hello", "1.0.0").read_bytes(), key, metadata())
    component.Component(wasmtime.Engine(), signed)


def test_changed_bytes_are_refused():
    key = generate_key()
    signed = bytearray(sign_wasm(plugin_wasm("hello", "1.0.0").read_bytes(), key, metadata()))
    signed[100] ^= 0xFF
    with pytest.raises(SignatureError, match="changed after signing"):
        verify_signature(bytes(signed), public_key_hex(key), source="tests")


def test_changed_metadata_is_refused():
    key = generate_key()
    wasm = plugin_wasm("hello", "1.0.0").read_bytes()
    signed = sign_wasm(wasm, key, metadata())
    parts = read_signature(signed)
    forged_meta = json.dumps({**parts.metadata, "version": "9.9.9"}).encode()
    forged = append_custom_section(
        append_custom_section(wasm, METADATA_SECTION, forged_meta),
        SIGNATURE_SECTION, parts.envelope.to_json())
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(forged, public_key_hex(key), source="tests")


def test_self_signed_artifact_is_refused():
    """The flaw in Pumpkin's host: the envelope's own key must not be trusted."""
    pinned, attacker = generate_key(), generate_key()
    forged = sign_wasm(plugin_wasm("hello", "1.0.0").read_bytes(), attacker, metadata())
    # It is a perfectly valid signature under the key it carries...
    verify_signature(forged, public_key_hex(attacker), source="attacker")
    # ...and still refused for the source pinned to another key.
    with pytest.raises(SignatureError, match="vouches for itself"):
        verify_signature(forged, public_key_hex(pinned), source="tests")


def test_envelope_naming_the_pinned_key_but_signed_by_another_is_refused():
    pinned, attacker = generate_key(), generate_key()
    wasm = plugin_wasm("hello", "1.0.0").read_bytes()
    forged = sign_wasm(wasm, attacker, metadata())
    parts = read_signature(forged)
    swapped = parts.envelope.__class__(public_key_hex(pinned), parts.envelope.signature_hex)
    forged = append_custom_section(
        append_custom_section(wasm, METADATA_SECTION, parts.metadata_bytes),
        SIGNATURE_SECTION, swapped.to_json())
    with pytest.raises(SignatureError, match="signed by another key"):
        verify_signature(forged, public_key_hex(pinned), source="tests")


def test_classify_sideloaded_files():
    trusted_key = generate_key()
    trusted = {"home": public_key_hex(trusted_key)}
    wasm = plugin_wasm("hello", "1.0.0").read_bytes()
    assert classify(wasm, trusted).status == "unsigned"
    good = classify(sign_wasm(wasm, trusted_key, metadata()), trusted)
    assert (good.status, good.signer) == ("verified", "home")
    stranger = classify(sign_wasm(wasm, generate_key(), metadata()), trusted)
    assert stranger.status == "unverified"
    assert "no trusted source" in stranger.reason


def test_key_files(tmp_path):
    key = generate_key()
    path = tmp_path / "keys" / "repo.key"
    save_private_key(path, key)
    assert path.stat().st_mode & 0o777 == 0o600
    assert public_key_hex(load_private_key(path)) == public_key_hex(key)
    with pytest.raises(Exception, match="already exists"):
        save_private_key(path, generate_key())
    assert fingerprint(public_key_hex(key)).startswith("ed25519:")
    path.write_text("not a key")
    with pytest.raises(Exception, match="not an unencrypted PEM private key"):
        load_private_key(path)
