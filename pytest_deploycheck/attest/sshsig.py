"""SSH signatures (``ssh-keygen -Y sign``), parsed strictly and verified in pure Python.

The format is OpenSSH's ``PROTOCOL.sshsig``. An armored signature::

    -----BEGIN SSH SIGNATURE-----
    U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg…   (base64, 70 columns)
    -----END SSH SIGNATURE-----

wraps a blob ``"SSHSIG" | uint32 version | string public key | string namespace |
string reserved | string hash algorithm | string signature``; the key signs
``"SSHSIG" | string namespace | string reserved | string hash algorithm |
string H(message)``.

Accepted, and nothing else: version 1; hash ``sha256`` or ``sha512``; keys
``ssh-ed25519``, ``ecdsa-sha2-nistp256/384/521``, ``ssh-rsa`` (2048 bits or more)
signing with ``rsa-sha2-256`` or ``rsa-sha2-512`` (never SHA-1), and
``sk-ssh-ed25519@openssh.com`` with the user-presence flag set. Every length is
checked and no byte may follow a structure. Each refusal raises
:class:`SignatureError` with a one-line reason.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import DeploycheckError
from . import fingerprint

if TYPE_CHECKING:  # cryptography is imported when a key or signature is read (7 MiB)
    from cryptography.hazmat.primitives.asymmetric import ed25519

NAMESPACE = "deploycheck"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
MAGIC = b"SSHSIG"
HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
MIN_RSA_BITS = 2048
SK_USER_PRESENT = 0x01

# key type → (its curve's SSH name, cryptography's curve class, its hash class)
_CURVES: dict[str, tuple[str, str, str]] = {
    "ecdsa-sha2-nistp256": ("nistp256", "SECP256R1", "SHA256"),
    "ecdsa-sha2-nistp384": ("nistp384", "SECP384R1", "SHA384"),
    "ecdsa-sha2-nistp521": ("nistp521", "SECP521R1", "SHA512"),
}
_RSA_SIGNATURES = {"rsa-sha2-256": "SHA256", "rsa-sha2-512": "SHA512"}  # → hash class
ED25519 = "ssh-ed25519"
SK_ED25519 = "sk-ssh-ed25519@openssh.com"
RSA = "ssh-rsa"
KEY_TYPES = (ED25519, SK_ED25519, RSA, *_CURVES)


class SignatureError(DeploycheckError):
    """A signature or key that is malformed, not allowed, or does not verify."""


class _Reader:
    """SSH wire format (RFC 4251): uint32, string, mpint — every length checked."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SignatureError(f"{self.what} is truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())

    def text(self) -> str:
        try:
            return self.string().decode("ascii")
        except UnicodeDecodeError:
            raise SignatureError(f"{self.what} holds a name that is not ASCII") from None

    def mpint(self) -> int:
        raw = self.string()
        if raw[:1] and raw[0] & 0x80:
            raise SignatureError(f"{self.what} holds a negative number")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        if self.pos != len(self.data):
            raise SignatureError(f"{self.what} has {len(self.data) - self.pos} bytes of "
                                 "trailing data")


def _ssh_string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


@dataclass(frozen=True)
class PublicKey:
    """An SSH public key: its type and its wire-format blob."""

    type: str
    blob: bytes

    @property
    def fingerprint(self) -> str:
        """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
        return fingerprint.of_blob(self.blob)

    @property
    def openssh(self) -> str:
        """``TYPE BASE64`` as in ``.pub`` and allowed_signers files."""
        return f"{self.type} {base64.b64encode(self.blob).decode()}"

    @classmethod
    def from_blob(cls, blob: bytes) -> PublicKey:
        """Parse and check a key blob (the key's own structure, fully consumed)."""
        reader = _Reader(blob, "the public key")
        key_type = reader.text()
        if key_type not in KEY_TYPES:
            raise SignatureError(f"key type {key_type!r} is not accepted (accepted: "
                                 f"{', '.join(KEY_TYPES)})")
        if key_type in (ED25519, SK_ED25519):
            if len(reader.string()) != 32:
                raise SignatureError("the Ed25519 public key is not 32 bytes")
            if key_type == SK_ED25519:
                reader.string()  # application, e.g. "ssh:"
        elif key_type == RSA:
            reader.mpint()
            n = reader.mpint()
            if n.bit_length() < MIN_RSA_BITS:
                raise SignatureError(f"the RSA key has {n.bit_length()} bits; at least "
                                     f"{MIN_RSA_BITS} are required")
        else:
            from cryptography.hazmat.primitives.asymmetric import ec

            curve_name, curve, _ = _CURVES[key_type]
            if reader.text() != curve_name:
                raise SignatureError(f"the {key_type} key names another curve")
            try:
                ec.EllipticCurvePublicKey.from_encoded_point(getattr(ec, curve)(),
                                                             reader.string())
            except ValueError:
                raise SignatureError(f"the {key_type} key is not a point on its curve") from None
        reader.end()
        return cls(key_type, blob)

    @classmethod
    def from_openssh(cls, text: str) -> PublicKey:
        """``TYPE BASE64 [comment]``, as in a ``.pub`` file."""
        parts = text.split()
        if len(parts) < 2:
            raise SignatureError("expected 'TYPE BASE64' for a public key")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except ValueError:  # binascii.Error, or a character that is not ASCII at all
            raise SignatureError("the public key is not valid base64") from None
        key = cls.from_blob(blob)
        if key.type != parts[0]:
            raise SignatureError(f"the public key says {parts[0]!r} but holds a {key.type} key")
        return key


@dataclass(frozen=True)
class Signature:
    """A parsed SSHSIG signature."""

    public_key: PublicKey
    namespace: str
    reserved: bytes
    hash_algorithm: str
    algorithm: str  # the signature's own format name, e.g. rsa-sha2-512
    raw: bytes  # the signature blob of that format

    def signed_data(self, message: bytes) -> bytes:
        digest = HASHES[self.hash_algorithm](message).digest()
        return (MAGIC + _ssh_string(self.namespace.encode()) + _ssh_string(self.reserved)
                + _ssh_string(self.hash_algorithm.encode()) + _ssh_string(digest))


def dearmor(text: str) -> bytes:
    """The blob inside ``-----BEGIN SSH SIGNATURE-----`` armor (strict)."""
    if "\r" in text:
        raise SignatureError("the armor has CR line endings (stored with CRLF?)")
    lines = text.strip("\n").split("\n")
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise SignatureError("the signature is not armored between "
                             f"{BEGIN} and {END} (truncated?)")
    body = "".join(lines[1:-1])
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:  # binascii.Error, or a character that is not ASCII at all
        raise SignatureError("the signature's base64 is invalid (truncated?)") from None


def parse(text: str) -> Signature:
    """Parse an armored SSHSIG signature; structure only, nothing verified yet."""
    reader = _Reader(dearmor(text), "the signature")
    if reader.take(6) != MAGIC:
        raise SignatureError("the signature does not start with SSHSIG")
    version = reader.uint32()
    if version != 1:
        raise SignatureError(f"signature version {version} is not supported (only 1)")
    key = PublicKey.from_blob(reader.string())
    namespace = reader.text()
    reserved = reader.string()
    hash_algorithm = reader.text()
    inner = _Reader(reader.string(), "the signature value")
    reader.end()
    if not namespace:
        raise SignatureError("the signature has an empty namespace")
    if hash_algorithm not in HASHES:
        raise SignatureError(f"hash algorithm {hash_algorithm!r} is not accepted "
                             "(sha256 or sha512)")
    algorithm = inner.text()
    raw = inner.data[inner.pos:]
    return Signature(key, namespace, reserved, hash_algorithm, algorithm, raw)


def verify(signature: Signature, message: bytes, namespace: str = NAMESPACE) -> None:
    """Check that ``signature`` is its key's signature over ``message`` in
    ``namespace``; raise :class:`SignatureError` saying why not."""
    if signature.namespace != namespace:
        raise SignatureError(f"the signature is for namespace {signature.namespace!r}, "
                             f"not {namespace!r}")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    data = signature.signed_data(message)
    key = signature.public_key
    inner = _Reader(signature.raw, "the signature value")
    try:
        if key.type == ED25519:
            _expect(signature, ED25519)
            sig = inner.string()
            inner.end()
            _ed25519(key).verify(sig, data)
        elif key.type == SK_ED25519:
            _expect(signature, SK_ED25519)
            sig = inner.string()
            flags = inner.take(1)[0]
            counter = inner.uint32()
            inner.end()
            if not flags & SK_USER_PRESENT:
                raise SignatureError("the security-key signature was made without user "
                                     "presence (touch)")
            application = _Reader(key.blob, "the public key")
            application.text()
            application.string()
            signed = (hashlib.sha256(application.string()).digest() + bytes([flags])
                      + struct.pack(">I", counter) + hashlib.sha256(data).digest())
            _ed25519(key).verify(sig, signed)
        elif key.type == RSA:
            chosen = _RSA_SIGNATURES.get(signature.algorithm)
            if chosen is None:
                raise SignatureError(f"RSA signature algorithm {signature.algorithm!r} is not "
                                     "accepted (rsa-sha2-256 or rsa-sha2-512; never SHA-1)")
            sig = inner.string()
            inner.end()
            wire = _Reader(key.blob, "the public key")
            wire.text()
            e, n = wire.mpint(), wire.mpint()
            rsa.RSAPublicNumbers(e, n).public_key().verify(sig, data, padding.PKCS1v15(),
                                                           getattr(hashes, chosen)())
        else:
            _expect(signature, key.type)
            _, curve, digest = _CURVES[key.type]
            pair = _Reader(inner.string(), "the ECDSA signature")
            inner.end()
            r, s = pair.mpint(), pair.mpint()
            pair.end()
            wire = _Reader(key.blob, "the public key")
            wire.text()
            wire.string()
            point = ec.EllipticCurvePublicKey.from_encoded_point(getattr(ec, curve)(),
                                                                 wire.string())
            point.verify(encode_dss_signature(r, s), data, ec.ECDSA(getattr(hashes, digest)()))
    except InvalidSignature:
        raise SignatureError("the signature does not match the signed bytes (they were "
                             "changed, or it was made for other bytes)") from None


def _expect(signature: Signature, algorithm: str) -> None:
    if signature.algorithm != algorithm:
        raise SignatureError(f"a {signature.public_key.type} key cannot make a "
                             f"{signature.algorithm!r} signature")


def _ed25519(key: PublicKey) -> ed25519.Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    wire = _Reader(key.blob, "the public key")
    wire.text()
    return ed25519.Ed25519PublicKey.from_public_bytes(wire.string())


def armor(blob: bytes) -> str:
    """Armor a signature blob the way ssh-keygen does (base64 in 70 columns)."""
    body = base64.b64encode(blob).decode()
    lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    return "\n".join([BEGIN, *lines, END]) + "\n"
