"""Real SSH keys for the tests, made and used by the real ssh-keygen."""

from __future__ import annotations

import subprocess
from pathlib import Path

STATEMENT = b"item: code-reviewed\ndecision: approved\nrelease: 1.4.0\n"
KEY_TYPES = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa-p256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa-p384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa-p521": ["-t", "ecdsa", "-b", "521"],
    "rsa": ["-t", "rsa", "-b", "3072"],
}


def ssh_keygen(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["ssh-keygen", *args], input=stdin, capture_output=True, timeout=30,
                          check=False)


def sign_with_ssh_keygen(keydir: Path, key: str, message: bytes,
                         namespace: str = "deploycheck") -> str:
    target = keydir / f"msg-{key}-{namespace}"
    target.write_bytes(message)
    (keydir / f"{target.name}.sig").unlink(missing_ok=True)  # ssh-keygen will not overwrite
    result = ssh_keygen("-Y", "sign", "-f", str(keydir / key), "-n", namespace, str(target))
    assert result.returncode == 0, result.stderr
    return (keydir / f"msg-{key}-{namespace}.sig").read_text()
