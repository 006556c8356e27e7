"""allowed_signers read as OpenSSH reads it; ssh-keygen -Y verify is the oracle."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers.sshkeys import STATEMENT, sign_with_ssh_keygen, ssh_keygen
from pytest_deploycheck.attest import signers, sshsig
from pytest_deploycheck.attest.sshsig import SignatureError

NOW = datetime.now(timezone.utc)


def key_line(keydir: Path, name: str = "ed25519") -> str:
    return " ".join((keydir / f"{name}.pub").read_text().split()[:2])


@pytest.mark.parametrize(("entry", "principal", "accepted"), [
    ("alice@example.com {key}", "alice@example.com", True),
    ("alice@example.com {key}", "bob@example.com", False),
    ("*@example.com {key}", "alice@example.com", True),
    ("*@example.com,!mallory@example.com {key}", "mallory@example.com", False),
    ('alice@example.com namespaces="git" {key}', "alice@example.com", False),
    ('alice@example.com namespaces="git,deploy*" {key}', "alice@example.com", True),
    ('alice@example.com valid-before="20200101" {key}', "alice@example.com", False),
    ('alice@example.com valid-after="20990101" {key}', "alice@example.com", False),
    ('alice@example.com valid-after="20200101Z",valid-before="20990101Z" {key}',
     "alice@example.com", True),
    ("alice@example.com {other}", "alice@example.com", False),
])
def test_we_accept_exactly_what_ssh_keygen_accepts(
    keydir: Path, tmp_path: Path, entry: str, principal: str, accepted: bool
) -> None:
    text = entry.format(key=key_line(keydir), other=key_line(keydir, "ecdsa-p256")) + "\n"
    allowed = tmp_path / "allowed_signers"
    allowed.write_text("# people who sign off\n\n" + text)
    armored = sign_with_ssh_keygen(keydir, "ed25519", STATEMENT)
    (tmp_path / "s.sig").write_text(armored)
    oracle = ssh_keygen("-Y", "verify", "-f", str(allowed), "-I", principal, "-n",
                        "deploycheck", "-s", str(tmp_path / "s.sig"), stdin=STATEMENT)
    assert (oracle.returncode == 0) is accepted, oracle.stderr
    signature = sshsig.parse(armored)
    listed = signers.parse(allowed.read_text(), "allowed_signers")
    if accepted:
        signers.authorize(listed, signature.public_key, principal, "deploycheck", NOW)
        sshsig.verify(signature, STATEMENT)
    else:
        with pytest.raises(SignatureError):
            signers.authorize(listed, signature.public_key, principal, "deploycheck", NOW)


def test_refusals_say_why(keydir: Path) -> None:
    key = sshsig.PublicKey.from_openssh(key_line(keydir))
    listed = signers.parse(
        f'alice@example.com valid-before="20200101Z" {key_line(keydir)}\n'
        f'ops@example.com {key_line(keydir)}\n')
    with pytest.raises(SignatureError, match=re.escape(
            "allowed for alice@example.com, ops@example.com, not for 'bob@example.com'")):
        signers.authorize(listed, key, "bob@example.com", "deploycheck", NOW)
    with pytest.raises(SignatureError, match="line 1 made the key valid only before 2020-01-01"):
        signers.authorize(listed, key, "alice@example.com", "deploycheck", NOW)
    other = sshsig.PublicKey.from_openssh(key_line(keydir, "rsa"))
    with pytest.raises(SignatureError,
                       match=re.escape(f"key {other.fingerprint} is not in allowed_signers")):
        signers.authorize(listed, other, "alice@example.com", "deploycheck", NOW)


@pytest.mark.parametrize(("line", "message"), [
    ('alice nosuch="x" ssh-ed25519 AAAA', "unknown option 'nosuch'"),
    ("alice ssh-ed25519 not-base64!", "not valid base64"),
    ('alice valid-before="2020" ssh-ed25519 AAAA', "is not a time"),
    ("alice ssh-dss AAAA", "key type 'ssh-dss' is not accepted"),
])
def test_a_malformed_line_makes_the_file_invalid_naming_the_line(
    line: str, message: str
) -> None:
    with pytest.raises(signers.SignersError, match=f"allowed_signers:2: .*({message})"):
        signers.parse("# signers\n" + line + "\n", "allowed_signers")
