"""Connections to target hosts: the testinfra host a URL is reached through
(:func:`testinfra_host`), how many connections are open at once (:class:`Slots`), where a
connection kept across runs has its ssh control socket (:func:`kept_socket`), and what a
connection is, in words (:func:`described`). :mod:`.targets` opens and closes them.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .. import spawn
from ..errors import CheckFailed
from .groups import INSTALL_HINT, Connection, HostRef

if TYPE_CHECKING:
    from testinfra.backend.base import BaseBackend, CommandResult
    from testinfra.host import Host


class Closable(Protocol):
    def try_close(self) -> Callable[[], None] | None:
        """Mark the connection closed if nothing uses it now, and return what ends it
        (run outside any lock); None if it is in use."""


class Slots:
    """At most ``size`` connections open at once. A connection that needs a slot when
    all are taken closes the least recently used idle one, or else waits for one to be
    idle; how long it waited is said in its evidence."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.keep_idle = False  # True: a host done for now stays open till a slot is needed
        self._open: OrderedDict[int, Closable] = OrderedDict()  # least recently used first
        self._changed = threading.Condition()

    def take(self, owner: Closable, stopping: threading.Event | None = None) -> float:
        """A slot for ``owner`` (its connection is about to open); the seconds it waited."""
        started = time.monotonic()
        while True:
            end: Callable[[], None] | None = None
            with self._changed:
                if len(self._open) >= self.size:
                    for key, other in list(self._open.items()):
                        end = other.try_close()
                        if end is not None:
                            del self._open[key]
                            break
                if len(self._open) < self.size:
                    self._open[id(owner)] = owner
                    waited = time.monotonic() - started
                    break
                if stopping is not None and stopping.is_set():
                    raise RuntimeError("the run is stopping")
                self._changed.wait(0.5)
        if end is not None:
            end()  # the connection it replaces ends outside the lock
        return waited

    def used(self, owner: Closable) -> None:
        """``owner`` was just used (it is the least likely to be closed next), and may be
        idle now: a waiting connection may close it."""
        with self._changed:
            if id(owner) in self._open:
                self._open.move_to_end(id(owner))
            self._changed.notify_all()

    def give_back(self, owner: Closable) -> None:
        """``owner``'s connection is closed: its slot is free."""
        with self._changed:
            self._open.pop(id(owner), None)
            self._changed.notify_all()


# -- the testinfra host -------------------------------------------------------------


def testinfra_host(url: str, connection: Connection, control_path: str,
                   environ: Mapping[str, str] | None) -> Host:
    """The testinfra Host for ``url``, starting its programs (ssh, docker, the commands
    of local://) with their own copy of ``environ`` (see :mod:`..spawn`); CheckFailed
    with the install line without testinfra."""
    try:
        import testinfra
    except ImportError:
        raise CheckFailed(f"running checks on hosts needs pytest-testinfra: "
                          f"{INSTALL_HINT}") from None
    kwargs: dict[str, Any] = {"timeout": max(1, round(connection.connect_timeout))}
    if connection.ssh_config:
        kwargs["ssh_config"] = os.path.expanduser(connection.ssh_config)
    if connection.identity_file:
        kwargs["ssh_identity_file"] = os.path.expanduser(connection.identity_file)
    if connection.sudo:
        kwargs["sudo"] = True
        if connection.sudo_user:
            kwargs["sudo_user"] = connection.sudo_user
    persist = max(1, round(connection.control_persist or 60))  # seconds an idle master lives
    if url.startswith(("ssh://", "safe-ssh://")):
        # never a prompt (a password, an unknown host key): fail with ssh's reason instead
        kwargs["ssh_extra_args"] = "-o BatchMode=yes"
        if control_path:
            # one multiplexed connection per host, closed by Targets (a path of its own:
            # testinfra %-formats the command line, so ssh's %C cannot be used), or kept
            kwargs["controlpath"], kwargs["controlpersist"] = control_path, persist
    host = _own_environment(testinfra.get_host(url, **kwargs), environ)
    if url.startswith("ansible://"):
        # the ansible backend runs commands through the host the inventory names (made and
        # kept by its runner), or, for a connection it has no backend for, through
        # `ansible` started by its own local host: those start programs the same way
        from testinfra.utils import ansible_runner

        backend = host.backend
        named = backend.ansible_runner.get_host(backend.host, ssh_config=backend.ssh_config,
                                                ssh_identity_file=backend.ssh_identity_file)
        for other in (named, ansible_runner.local):
            if other is not None:
                _own_environment(other, environ)
        ssh: Any = getattr(named, "backend", None)
        if control_path and getattr(ssh, "NAME", "") == "ssh" and not ssh.controlpath:
            # its ssh host, with a multiplexed connection of its own as for ssh:// (a copy:
            # testinfra shares one Host among the aliases of one address)
            own = copy.copy(ssh)
            own.controlpath, own.controlpersist = control_path, persist
            host = _own_environment(testinfra.host.Host(own), environ)
    return host


def _own_environment(host: Host, environ: Mapping[str, str] | None) -> Host:
    """``host``, its programs started with their own copy of ``environ``."""
    backend = host.backend
    backend.run_local = functools.partial(_run_local, backend, environ)
    return host


def _run_local(backend: BaseBackend, environ: Mapping[str, str] | None, command: str,
               *args: str) -> CommandResult:
    """testinfra's ``BaseBackend.run_local``, with the program's own environment."""
    cmd = backend.encode(backend.quote(command, *args))
    proc = spawn.start(cmd, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, environ=environ)
    stdout, stderr = proc.communicate()
    return backend.result(proc.returncode, cmd, stdout, stderr)


# -- connections kept across runs (ssh_control_persist) -----------------------------


class NotPrivate(Exception):
    """The directory of kept connections could be reached by someone else."""


def kept_socket(rootdir: Path, ref: HostRef, environ: Mapping[str, str], view: str) -> str:
    """The control socket of ``ref``'s kept ssh connection: in a directory of this
    project's and this user's alone (0700, made if missing), named by all that decides
    where the connection goes — the URL, what ssh makes of its config (``view``: ``ssh
    -G``), an Ansible inventory's content — so that a changed config never reuses a
    connection to the old place; short enough for a socket's path. NotPrivate if that
    directory is someone else's, a link, or open to others."""
    base = environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    project = hashlib.sha256(str(rootdir.resolve()).encode()).hexdigest()[:10]
    directory = os.path.join(base, f"deploycheck-{os.getuid()}-{project}")
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory, 0o700)
    found = os.lstat(directory)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise NotPrivate(f"{directory} is not a directory of yours alone (mode "
                         f"{stat.filemode(found.st_mode)}, owner uid {found.st_uid}); remove "
                         "it, or set $XDG_RUNTIME_DIR to a private directory")
    key = hashlib.sha256("\0".join((ref.url, ref.connection.ssh_config or "",
                                     ref.connection.identity_file or "", view)).encode())
    inventory = urllib.parse.parse_qs(urllib.parse.urlsplit(ref.url).query).get(
        "ansible_inventory")
    if inventory:
        with contextlib.suppress(OSError):
            key.update(Path(inventory[0]).read_bytes())
    return os.path.join(directory, key.hexdigest()[:16])


# -- what a connection is -------------------------------------------------------------


def described(ref: HostRef, view: str) -> str:
    """``ref``'s connection in words: ``ssh deploy@10.0.0.5:22 via bastion`` (from
    ``view``, what ssh itself makes of its config: :func:`ssh_view`), ``docker web-1``,
    ``local``."""
    parsed = urllib.parse.urlsplit(ref.url)
    scheme = parsed.scheme.removeprefix("safe-")
    if scheme != "ssh":
        where = parsed.netloc or parsed.path.lstrip("/")
        return f"{scheme} {where}".strip() if scheme != "local" else "local"
    found: dict[str, str] = {}
    for line in view.splitlines():
        key, _, value = line.partition(" ")
        found.setdefault(key, value)
    if not found:
        return f"ssh {parsed.netloc}"
    text = f"ssh {found.get('user', '?')}@{found.get('hostname', '?')}:{found.get('port', '22')}"
    if found.get("proxyjump", "none") != "none":
        text += f" via {found['proxyjump']}"
    elif found.get("proxycommand", "none") != "none":
        text += " via a proxy command"
    return text


def ssh_view(ref: HostRef, environ: Mapping[str, str] | None) -> str:
    """What ``ssh -G`` says it would use for an ``ssh://`` URL with the group's ssh
    config: user, address, port, jump host … ("" for other URLs, or if it cannot tell)."""
    parsed = urllib.parse.urlsplit(ref.url)
    if parsed.scheme.removeprefix("safe-") != "ssh":
        return ""
    argv = ["ssh", "-G"]
    if ref.connection.ssh_config:
        argv += ["-F", os.path.expanduser(ref.connection.ssh_config)]
    if parsed.username:
        argv += ["-l", parsed.username]
    if parsed.port:
        argv += ["-p", str(parsed.port)]
    try:
        done = spawn.run([*argv, "--", parsed.hostname or ""], timeout=5, environ=environ,
                         capture_output=True, text=True, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""
