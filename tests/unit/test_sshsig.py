"""SSHSIG verification in pure Python, with the real ssh-keygen as the oracle."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from helpers.sshkeys import KEY_TYPES, STATEMENT, sign_with_ssh_keygen, ssh_keygen
from pytest_deploycheck.attest import sshsig
from pytest_deploycheck.attest.sshsig import PublicKey, SignatureError


def blob_fields(text: str) -> list[bytes]:
    """The SSHSIG blob's fields: version, key, namespace, reserved, hash, signature."""
    data = sshsig.dearmor(text)
    fields: list[bytes] = [data[6:10]]
    pos = 10
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        fields.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    return fields


def rebuild(fields: list[bytes], extra: bytes = b"") -> str:
    blob = b"SSHSIG" + fields[0] + b"".join(struct.pack(">I", len(f)) + f for f in fields[1:])
    return sshsig.armor(blob + extra)


def string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


# -- ssh-keygen signs, we verify ------------------------------------------------

@pytest.mark.parametrize("key", list(KEY_TYPES))
def test_a_signature_made_by_ssh_keygen_verifies(keydir: Path, key: str) -> None:
    signature = sshsig.parse(sign_with_ssh_keygen(keydir, key, STATEMENT))
    sshsig.verify(signature, STATEMENT)
    listed = ssh_keygen("-l", "-f", str(keydir / f"{key}.pub")).stdout.decode().split()[1]
    assert signature.public_key.fingerprint == listed
    pub = PublicKey.from_openssh((keydir / f"{key}.pub").read_text())
    assert pub == signature.public_key


def test_a_changed_byte_of_the_statement_fails(keydir: Path) -> None:
    signature = sshsig.parse(sign_with_ssh_keygen(keydir, "ed25519", STATEMENT))
    with pytest.raises(SignatureError, match="does not match the signed bytes"):
        sshsig.verify(signature, STATEMENT.replace(b"approved", b"approvee"))


def test_a_signature_moved_onto_another_statement_fails(keydir: Path) -> None:
    signature = sshsig.parse(sign_with_ssh_keygen(keydir, "ecdsa-p256", STATEMENT))
    with pytest.raises(SignatureError, match="does not match the signed bytes"):
        sshsig.verify(signature, STATEMENT.replace(b"code-reviewed", b"load-tested"))


def test_a_signature_for_the_git_namespace_is_refused(keydir: Path) -> None:
    signature = sshsig.parse(sign_with_ssh_keygen(keydir, "ed25519", STATEMENT, "git"))
    with pytest.raises(SignatureError, match="is for namespace 'git', not 'deploycheck'"):
        sshsig.verify(signature, STATEMENT)


def test_truncated_armor_is_refused(keydir: Path) -> None:
    text = sign_with_ssh_keygen(keydir, "ed25519", STATEMENT)
    with pytest.raises(SignatureError, match="not armored"):
        sshsig.parse(text.rsplit("\n", 2)[0])
    lines = text.splitlines()
    with pytest.raises(SignatureError, match=r"truncated|base64"):
        sshsig.parse("\n".join([lines[0], lines[1][:-7], lines[-1]]))


def test_crlf_armor_is_refused(keydir: Path) -> None:
    text = sign_with_ssh_keygen(keydir, "ed25519", STATEMENT)
    with pytest.raises(SignatureError, match="CR line endings"):
        sshsig.parse(text.replace("\n", "\r\n"))


def test_md5_is_refused(keydir: Path) -> None:
    fields = blob_fields(sign_with_ssh_keygen(keydir, "ed25519", STATEMENT))
    fields[4] = b"md5"
    with pytest.raises(SignatureError, match="hash algorithm 'md5' is not accepted"):
        sshsig.parse(rebuild(fields))


def test_trailing_data_is_refused(keydir: Path) -> None:
    fields = blob_fields(sign_with_ssh_keygen(keydir, "ed25519", STATEMENT))
    with pytest.raises(SignatureError, match="trailing data"):
        sshsig.parse(rebuild(fields, extra=b"\x00"))


def test_version_2_is_refused(keydir: Path) -> None:
    fields = blob_fields(sign_with_ssh_keygen(keydir, "ed25519", STATEMENT))
    fields[0] = struct.pack(">I", 2)
    with pytest.raises(SignatureError, match="signature version 2 is not supported"):
        sshsig.parse(rebuild(fields))


def test_an_empty_namespace_is_refused(keydir: Path) -> None:
    fields = blob_fields(sign_with_ssh_keygen(keydir, "ed25519", STATEMENT))
    fields[2] = b""
    with pytest.raises(SignatureError, match="empty namespace"):
        sshsig.parse(rebuild(fields))


def test_an_rsa_sha1_signature_is_refused(keydir: Path) -> None:
    private = serialization.load_ssh_private_key((keydir / "rsa").read_bytes(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    fields = blob_fields(sign_with_ssh_keygen(keydir, "rsa", STATEMENT))
    signature = sshsig.parse(rebuild(fields))
    raw = private.sign(signature.signed_data(STATEMENT), padding.PKCS1v15(), hashes.SHA1())
    fields[5] = string(b"ssh-rsa") + string(raw)
    with pytest.raises(SignatureError, match="never SHA-1"):
        sshsig.verify(sshsig.parse(rebuild(fields)), STATEMENT)


# -- we sign (as a security key would), ssh-keygen verifies ---------------------

def sk_signature(private: ed25519.Ed25519PrivateKey, flags: int,
                 message: bytes = STATEMENT) -> str:
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    application = b"ssh:"
    key_blob = string(sshsig.SK_ED25519.encode()) + string(raw) + string(application)
    unsigned = (b"SSHSIG" + string(b"deploycheck") + string(b"") + string(b"sha512")
                + string(hashlib.sha512(message).digest()))
    counter = 7
    signed = (hashlib.sha256(application).digest() + bytes([flags]) + struct.pack(">I", counter)
              + hashlib.sha256(unsigned).digest())
    inner = (string(sshsig.SK_ED25519.encode()) + string(private.sign(signed))
             + bytes([flags]) + struct.pack(">I", counter))
    blob = (b"SSHSIG" + struct.pack(">I", 1) + string(key_blob) + string(b"deploycheck")
            + string(b"") + string(b"sha512") + string(inner))
    return sshsig.armor(blob)


def ssh_keygen_accepts(keydir: Path, armored: str, message: bytes) -> bool:
    sig = keydir / "oracle.sig"
    sig.write_text(armored)
    result = ssh_keygen("-Y", "check-novalidate", "-n", "deploycheck", "-s", str(sig),
                        stdin=message)
    return result.returncode == 0


def test_a_security_key_signature_with_user_presence_verifies(keydir: Path) -> None:
    armored = sk_signature(ed25519.Ed25519PrivateKey.generate(), flags=0x01)
    assert ssh_keygen_accepts(keydir, armored, STATEMENT)  # the oracle agrees it is valid
    sshsig.verify(sshsig.parse(armored), STATEMENT)


def test_a_security_key_signature_without_user_presence_is_refused(keydir: Path) -> None:
    armored = sk_signature(ed25519.Ed25519PrivateKey.generate(), flags=0x00)
    assert ssh_keygen_accepts(keydir, armored, STATEMENT)  # ssh-keygen 9.2 lets it pass …
    with pytest.raises(SignatureError, match="without user presence"):  # … we do not
        sshsig.verify(sshsig.parse(armored), STATEMENT)


def test_our_armor_is_byte_for_byte_ssh_keygens(keydir: Path) -> None:
    text = sign_with_ssh_keygen(keydir, "ecdsa-p384", STATEMENT)
    assert sshsig.armor(sshsig.dearmor(text)) == text


def test_a_short_rsa_key_is_refused(keydir: Path) -> None:
    small = keydir / "rsa1024"
    assert ssh_keygen("-t", "rsa", "-b", "1024", "-N", "", "-q", "-f", str(small)).returncode == 0
    with pytest.raises(SignatureError, match="1024 bits; at least 2048 are required"):
        PublicKey.from_openssh((keydir / "rsa1024.pub").read_text())


@pytest.mark.parametrize("mutate", [
    lambda b: b[:-1],
    lambda b: b + b"\x00",
    lambda b: b[:10] + b"\xff\xff\xff\xff" + b[14:],
])
def test_malformed_key_blobs_are_refused(keydir: Path, mutate: Callable[[bytes], bytes]) -> None:
    blob = base64.b64decode((keydir / "ed25519.pub").read_text().split()[1])
    with pytest.raises(SignatureError):
        PublicKey.from_blob(mutate(blob))
