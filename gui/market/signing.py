"""Ed25519 signatures on plugin components, in Pumpkin's format.

A signed artifact carries two top-level custom sections, appended at the end:

``pumpkin.metadata``
    JSON object: ``marketplace_url, plugin_id, plugin_name, version, dev_id,
    dev_name, is_paid, user_id, license_key, issued_at``.
``wasm_signature`` (legacy name ``pumpkin.signature``)
    JSON envelope: ``{"version": 1, "algorithm": "Ed25519",
    "public_key_hex": ..., "signature_hex": ...}``.

The signed message is the binary with both sections removed, followed by the
exact bytes of the metadata JSON. Custom sections are ignored by wasmtime, so
a signed component runs unchanged.

Unlike Pumpkin's host, verification never trusts the key inside the
envelope: :func:`verify_signature` takes the key pinned for the source the
artifact came from, and an envelope naming any other key makes the artifact
invalid (so a self-signed file is refused, not accepted).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gui.errors import PumpkinPatchError
from gui.market.wasm_sections import (
    WasmFormatError,
    append_custom_section,
    iter_sections,
    strip_custom_sections,
)
from gui.paths import atomic_write_bytes

METADATA_SECTION = "pumpkin.metadata"
SIGNATURE_SECTION = "wasm_signature"
LEGACY_SIGNATURE_SECTION = "pumpkin.signature"
SIGNING_SECTIONS = (METADATA_SECTION, SIGNATURE_SECTION, LEGACY_SIGNATURE_SECTION)
ENVELOPE_VERSION = 1
ALGORITHM = "Ed25519"
METADATA_FIELDS = ("marketplace_url", "plugin_id", "plugin_name", "version", "dev_id",
                   "dev_name", "is_paid", "user_id", "license_key", "issued_at")

SignatureStatus = Literal["verified", "unverified", "unsigned"]


class SignatureError(PumpkinPatchError):
    """An artifact's signature is missing, malformed or wrong; the message says which."""


class SigningKeyError(PumpkinPatchError):
    """A key could not be read, written or parsed; the message names the file or value."""


# -- keys ------------------------------------------------------------------------------
def generate_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The 32-byte raw public key, as 64 lowercase hex digits."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def parse_public_key(hex_text: str) -> Ed25519PublicKey:
    """Parse a 64-hex-digit Ed25519 public key.

    Raises:
        SigningKeyError: not 32 bytes of hex.
    """
    text = hex_text.strip().lower()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise SigningKeyError(f"{hex_text!r} is not a hex Ed25519 public key "
                        "(expected 64 hex digits)") from None
    if len(raw) != 32:
        raise SigningKeyError(f"an Ed25519 public key is 32 bytes (64 hex digits), got {len(raw)} "
                        "bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def normalize_key_hex(hex_text: str) -> str:
    """``hex_text`` validated and lower-cased (raises :class:`SigningKeyError`)."""
    return public_key_hex(parse_public_key(hex_text))


def fingerprint(key_hex: str) -> str:
    """A short, readable fingerprint of a public key: ``ed25519:xxxx-xxxx-...`` (8 groups).

    The first 16 bytes of the SHA-256 of the raw key, so two keys that look
    alike at a glance still differ here.
    """
    digest = hashlib.sha256(bytes.fromhex(normalize_key_hex(key_hex))).hexdigest()[:32]
    return "ed25519:" + "-".join(digest[i : i + 4] for i in range(0, 32, 4))


def save_private_key(path: Path, key: Ed25519PrivateKey, *, overwrite: bool = False) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, readable by the owner only.

    The file appears whole or not at all (temp file + ``os.replace``).

    Raises:
        SigningKeyError: the file exists (and ``overwrite`` is false) or cannot be written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise SigningKeyError(f"{path} already exists; choose another file name (a key is never "
                        "overwritten, it may be the only copy)")
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        # atomic_write_bytes' temp file is created 0600 (mkstemp), so the key is
        # never readable by others, not even for a moment.
        atomic_write_bytes(path, pem)
    except OSError as exc:
        raise SigningKeyError(f"cannot write the key file {path}: {exc.strerror or exc}") from exc


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a PEM (PKCS#8) Ed25519 private key written by :func:`save_private_key`.

    Raises:
        SigningKeyError: missing, unreadable, or not an Ed25519 private key.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the key file {path}: {exc.strerror or exc} (create one "
                        "with 'pumpkin-patch market keygen FILE')") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


# -- the signed artifact -----------------------------------------------------------------
@dataclass(frozen=True)
class SignatureEnvelope:
    """The parsed ``wasm_signature`` section."""

    public_key_hex: str
    signature_hex: str
    version: int = ENVELOPE_VERSION
    algorithm: str = ALGORITHM

    def to_json(self) -> bytes:
        return json.dumps({"version": self.version, "algorithm": self.algorithm,
                           "public_key_hex": self.public_key_hex,
                           "signature_hex": self.signature_hex}).encode()


@dataclass(frozen=True)
class SignedParts:
    """What signing added to a binary, read back."""

    envelope: SignatureEnvelope
    metadata: dict[str, Any]
    metadata_bytes: bytes
    unsigned: bytes = field(repr=False)  # the binary without the signing sections

    @property
    def message(self) -> bytes:
        """The bytes the signature covers."""
        return self.unsigned + self.metadata_bytes


def signing_metadata(*, plugin_id: str, plugin_name: str, version: str, dev_name: str,
                     dev_id: str = "", marketplace_url: str = "",
                     issued_at: str | None = None) -> dict[str, Any]:
    """A ``pumpkin.metadata`` object with every field Pumpkin defines."""
    return {
        "marketplace_url": marketplace_url,
        "plugin_id": plugin_id,
        "plugin_name": plugin_name,
        "version": version,
        "dev_id": dev_id,
        "dev_name": dev_name,
        "is_paid": False,
        "user_id": "",
        "license_key": "",
        "issued_at": issued_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def sign_wasm(wasm: bytes, key: Ed25519PrivateKey, metadata: Mapping[str, Any]) -> bytes:
    """Return ``wasm`` signed with ``key``: old signing sections replaced by new ones.

    Raises:
        SignatureError: ``wasm`` is not a well-framed WebAssembly binary.
    """
    try:
        unsigned = strip_custom_sections(wasm, SIGNING_SECTIONS)
    except WasmFormatError as exc:
        raise SignatureError(f"cannot sign: {exc}") from exc
    metadata_bytes = json.dumps(dict(metadata), separators=(",", ":")).encode()
    signature = key.sign(unsigned + metadata_bytes)
    envelope = SignatureEnvelope(public_key_hex(key), signature.hex())
    signed = append_custom_section(unsigned, METADATA_SECTION, metadata_bytes)
    return append_custom_section(signed, SIGNATURE_SECTION, envelope.to_json())


def read_signature(wasm: bytes) -> SignedParts | None:
    """The signing sections of ``wasm``, or None when it carries no signature.

    Raises:
        SignatureError: the binary or a signing section is malformed, or a
            section appears more than once (which one would count is ambiguous).
    """
    try:
        sections = list(iter_sections(wasm))
    except WasmFormatError as exc:
        raise SignatureError(str(exc)) from exc
    found: dict[str, list[bytes]] = {name: [] for name in SIGNING_SECTIONS}
    for section in sections:
        if section.name in found:
            found[section.name].append(section.content(wasm))
    signatures = found[SIGNATURE_SECTION] + found[LEGACY_SIGNATURE_SECTION]
    if not signatures:
        return None
    if len(signatures) > 1 or len(found[METADATA_SECTION]) > 1:
        raise SignatureError("more than one signature or metadata section; a signed "
                             "artifact has exactly one of each")
    if not found[METADATA_SECTION]:
        raise SignatureError(f"signed but has no {METADATA_SECTION} section")
    envelope = _parse_envelope(signatures[0])
    metadata_bytes = found[METADATA_SECTION][0]
    try:
        metadata = json.loads(metadata_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureError(f"the {METADATA_SECTION} section is not JSON: {exc}") from exc
    if not isinstance(metadata, dict):
        raise SignatureError(f"the {METADATA_SECTION} section is not a JSON object")
    for name in ("plugin_name", "version"):
        if not isinstance(metadata.get(name), str):
            raise SignatureError(f"the {METADATA_SECTION} section has no string {name!r}")
    return SignedParts(envelope, metadata, metadata_bytes,
                       strip_custom_sections(wasm, SIGNING_SECTIONS))


def _parse_envelope(raw: bytes) -> SignatureEnvelope:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureError(f"the {SIGNATURE_SECTION} section is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SignatureError(f"the {SIGNATURE_SECTION} section is not a JSON object")
    if data.get("version") != ENVELOPE_VERSION:
        raise SignatureError(f"signature envelope version {data.get('version')!r} is not "
                             f"supported (this host reads version {ENVELOPE_VERSION})")
    if data.get("algorithm") != ALGORITHM:
        raise SignatureError(f"signature algorithm {data.get('algorithm')!r} is not "
                             f"supported (only {ALGORITHM})")
    key, signature = data.get("public_key_hex"), data.get("signature_hex")
    if not isinstance(key, str) or not isinstance(signature, str):
        raise SignatureError("the signature envelope lacks public_key_hex or signature_hex")
    try:
        key = normalize_key_hex(key)
        raw_signature = bytes.fromhex(signature)
    except (SigningKeyError, ValueError) as exc:
        raise SignatureError(f"the signature envelope is malformed: {exc}") from exc
    if len(raw_signature) != 64:
        raise SignatureError("an Ed25519 signature is 64 bytes; the envelope's is "
                             f"{len(raw_signature)}")
    return SignatureEnvelope(key, raw_signature.hex())


def verify_signature(wasm: bytes, pinned_key_hex: str, *, source: str) -> SignedParts:
    """Check that ``wasm`` was signed by the key pinned for ``source``.

    The key in the envelope is only compared with the pinned key; the
    signature is always checked with the pinned key.

    Returns:
        The signing sections (metadata and envelope).

    Raises:
        SignatureError: unsigned, malformed, signed by another key, or the
            signature does not match the bytes (changed after signing).
    """
    parts = read_signature(wasm)
    if parts is None:
        raise SignatureError(f"the artifact is not signed, but every artifact from source "
                             f"{source!r} must be signed with its key "
                             f"{fingerprint(pinned_key_hex)}")
    pinned = normalize_key_hex(pinned_key_hex)
    if parts.envelope.public_key_hex != pinned:
        raise SignatureError(
            f"the artifact is signed with key {fingerprint(parts.envelope.public_key_hex)}, "
            f"not with {fingerprint(pinned)} pinned for source {source!r}; a file that "
            "vouches for itself proves nothing, so it is refused")
    try:
        parse_public_key(pinned).verify(bytes.fromhex(parts.envelope.signature_hex),
                                        parts.message)
    except InvalidSignature:
        raise SignatureError(
            f"the signature does not match the artifact's bytes under {source!r}'s key "
            f"{fingerprint(pinned)}: the file was changed after signing, or signed by "
            "another key") from None
    return parts


@dataclass(frozen=True)
class SignatureCheck:
    """How a file stands against a set of trusted keys (for sideloading)."""

    status: SignatureStatus
    signer: str | None = None  # the trusted source whose key verified it
    key_fingerprint: str | None = None  # the key the envelope names, if any
    reason: str = ""
    parts: SignedParts | None = field(default=None, repr=False)


def classify(wasm: bytes, trusted: Mapping[str, str]) -> SignatureCheck:
    """Check a sideloaded file against ``trusted`` (source name -> pinned key hex).

    ``verified``: signed and the signature checks out under a trusted key.
    ``unsigned``: no signature at all. ``unverified``: anything else (an
    unknown key, a bad signature, a malformed envelope); ``reason`` says what.
    """
    try:
        parts = read_signature(wasm)
    except SignatureError as exc:
        return SignatureCheck("unverified", reason=str(exc))
    if parts is None:
        return SignatureCheck("unsigned", reason="the file carries no signature")
    envelope_key = parts.envelope.public_key_hex
    print_ = fingerprint(envelope_key)
    for name, key in trusted.items():
        if normalize_key_hex(key) != envelope_key:
            continue
        try:
            verify_signature(wasm, key, source=name)
        except SignatureError as exc:
            return SignatureCheck("unverified", key_fingerprint=print_, reason=str(exc))
        return SignatureCheck("verified", signer=name, key_fingerprint=print_, parts=parts)
    return SignatureCheck("unverified", key_fingerprint=print_,
                          reason=f"signed with {print_}, which no trusted source uses")
