"""A real OpenSSH server on 127.0.0.1 for the tests, and an ssh config whose host
aliases all point at it (web-1, web-2, …) — plus ``dead-1``, where nothing listens.

Run as root, it logs in as the system account ``dctest`` (made once: no home, no
password, ``/bin/sh``; its only key is the one this sshd reads). root's own login shell
may start heavy rc files on every command (``pyenv init`` here: 130 ms of CPU each),
which on a 2-core machine whose "hosts" are itself would measure the rc files, not the
checks. Run as another user, it logs in as that user."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .servers import closed_port
from .sshkeys import ssh_keygen

SSHD = Path("/usr/sbin/sshd")


@dataclass(frozen=True)
class Sshd:
    port: int
    ssh_config: Path  # aliases web-*, db-*, host-* → this server; dead-* → a closed port
    key: Path
    user: str  # who it logs in
    log: Path  # sshd's own log: one "Accepted publickey" line a connection

    def logins(self) -> int:
        """How many connections it has accepted so far."""
        return self.log.read_text(errors="replace").count("Accepted publickey")


@contextmanager
def sshd(base: Path) -> Iterator[Sshd]:
    """Start sshd until the block ends."""
    base.chmod(0o755)  # the login user reads authorized_keys with its own rights
    for name in ("host_ed25519", "user_ed25519"):
        done = ssh_keygen("-t", "ed25519", "-N", "", "-q", "-f", str(base / name))
        assert done.returncode == 0, done.stderr
    (base / "authorized_keys").write_text((base / "user_ed25519.pub").read_text())
    (base / "authorized_keys").chmod(0o644)
    port = closed_port()  # free now: sshd takes it next
    (base / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {base / 'host_ed25519'}\n"
        f"AuthorizedKeysFile {base / 'authorized_keys'}\nPidFile {base / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nMaxSessions 64\n"
        "MaxStartups 200\n")
    user = _user()
    common = (f"  User {user}\n  IdentityFile {base / 'user_ed25519'}\n"
              "  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
              "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n")
    (base / "ssh_config").write_text(
        f"Host web-* db-* host-*\n  HostName 127.0.0.1\n  Port {port}\n{common}"
        f"Host dead-*\n  HostName 127.0.0.1\n  Port {closed_port()}\n{common}")
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation
    # its log to a file: a pipe nobody reads fills up, and then every sshd blocks on it
    log = base / "sshd.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(base / "sshd_config")],
                                stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {log.read_text(errors='replace')}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("sshd did not listen within 10 s")
            time.sleep(0.02)
        yield Sshd(port, base / "ssh_config", base / "user_ed25519", user, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


TEST_USER = "dctest"


def _user() -> str:
    """Who the test sshd logs in (see the module's docstring)."""
    if os.geteuid() != 0:
        return getpass.getuser()
    known = subprocess.run(["id", "-u", TEST_USER], capture_output=True, check=False)
    if known.returncode != 0:
        # password "*": none can be typed, yet not locked ("!"), which sshd would refuse
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/bin/sh", "--password", "*", TEST_USER], check=True,
                       capture_output=True, timeout=30)
    return TEST_USER
