"""Target hosts: groups of hosts in the environment config, and running checks on them
through pytest-testinfra's backends (ssh, paramiko, docker, podman, kubectl, local …).

Config (``checks/deploycheck.yaml``)::

    environments:
      demo:
        hosts:
          web: [local://]                          # a list of testinfra host URLs …
      production:
        hosts:
          web:                                     # … or the URLs with connection settings
            hosts: [ssh://deploy@web-1, ssh://deploy@web-2:2222]
            ssh_config: deploy/ssh_config
            identity_file: ~/.ssh/deploy_ed25519
            connect_timeout: 5s
            sudo: true
            max_sessions: 4                        # probes at once on one host

An item with ``on: web`` is collected once per host of the group (``item[web-1]``).
We write no SSH client: :class:`Target` hands each command to testinfra.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .errors import CheckFailed

if TYPE_CHECKING:
    from testinfra.host import Host

INSTALL_HINT = "pip install 'pytest-deploycheck[hosts]'"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_SESSIONS = 4
_ID = re.compile(r"^[A-Za-z0-9_.@:%+-]+$")


class HostSpecError(ValueError):
    """A host URL that cannot name a host."""


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach the hosts of a group."""

    ssh_config: str | None = None
    identity_file: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    sudo: bool = False
    sudo_user: str | None = None
    max_sessions: int = DEFAULT_SESSIONS


@dataclass(frozen=True, slots=True)
class HostRef:
    """One host of a group: its id in node ids and reports, and its testinfra URL."""

    id: str
    url: str
    group: str
    connection: Connection


def host_id(url: str) -> str:
    """What a host is called in node ids and reports: the host part of its URL
    without the user (``ssh://deploy@web-1:2222`` → ``web-1:2222``; ``local://`` →
    ``local``; ``kubectl://pod?namespace=x`` → ``pod``)."""
    if "://" not in url:
        raise HostSpecError(f"{url!r} is not a host URL like ssh://user@host, "
                            "docker://container or local://")
    parsed = urllib.parse.urlsplit(url)
    if not parsed.scheme:
        raise HostSpecError(f"{url!r} has no connection type (ssh://, docker://, local:// …)")
    netloc = parsed.netloc.rpartition("@")[2]
    found = netloc or parsed.scheme
    if not _ID.match(found):
        raise HostSpecError(f"{url!r}: the host name {found!r} has characters node ids cannot "
                            "carry")
    return found


@dataclass(frozen=True, slots=True)
class HostGroup:
    """A named group of hosts: listed as URLs, or an Ansible inventory's group
    (``ansible`` = (inventory path as written, group), expanded at collection)."""

    name: str
    hosts: tuple[HostRef, ...]
    connection: Connection = Connection()
    ansible: tuple[str, str] | None = None


class InventoryError(Exception):
    """An Ansible inventory that cannot give the group's hosts (the message says why)."""


def ansible_hosts(group: HostGroup, rootdir: str) -> HostGroup:
    """``group`` with the hosts of its Ansible inventory group, in inventory order
    (sorted by name, the same in every process), as ``ansible://`` URLs."""
    assert group.ansible is not None
    written, pattern = group.ansible
    inventory = os.path.join(rootdir, os.path.expanduser(written))
    if not os.path.exists(inventory):
        raise InventoryError(f"the Ansible inventory {written} does not exist")
    try:
        from testinfra.utils.ansible_runner import AnsibleRunner
    except ImportError:
        raise InventoryError(f"reading an Ansible inventory needs pytest-testinfra: "
                             f"{INSTALL_HINT} ansible-core") from None
    # ansible-inventory once, with a time limit (testinfra would run it without one), found
    # on PATH or beside the Python running pytest (a virtualenv's bin/, not always on PATH)
    on_path = shutil.which("ansible-inventory")
    program = on_path or shutil.which("ansible-inventory", path=os.path.dirname(sys.executable))
    if program is None:
        raise InventoryError("reading an Ansible inventory needs ansible-inventory: pip "
                             "install ansible-core")
    try:
        done = subprocess.run([program, "--list", "-i", inventory], capture_output=True,
                              text=True, timeout=60, check=False,
                              env={**os.environ, "ANSIBLE_VERBOSITY": "0"})
        data = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise InventoryError(f"cannot read the Ansible inventory {written}: {exc}") from None
    if data is None:
        raise InventoryError(f"cannot read the Ansible inventory {written}: "
                             f"{_last_line(done.stderr) or f'exit code {done.returncode}'}")
    if on_path is None:  # testinfra's ansible backend calls ansible tools by name
        os.environ["PATH"] = os.path.dirname(program) + os.pathsep + os.environ.get("PATH", "")
    runner = AnsibleRunner.get_runner(inventory)  # the runner its ansible:// hosts will use
    runner.__dict__["inventory"] = data  # what testinfra would have read (cached property)
    try:
        names = runner.get_hosts(pattern)
    except RuntimeError as exc:
        raise InventoryError(f"cannot read the Ansible inventory {written}: {exc}") from None
    if not names:
        raise InventoryError(f"the Ansible inventory {written} has no hosts in group "
                             f"{pattern!r}")
    refs = []
    for name in names:
        if not _ID.match(name):
            raise InventoryError(f"the Ansible inventory {written}: host name {name!r} has "
                                 "characters node ids cannot carry")
        url = f"ansible://{name}?ansible_inventory={urllib.parse.quote(inventory, safe='/')}"
        refs.append(HostRef(name, url, group.name, group.connection))
    return HostGroup(group.name, tuple(refs), group.connection)


def hosts_of(groups: Sequence[HostGroup], names: Sequence[str]) -> list[HostRef]:
    """The hosts of the groups ``names``, in config order, each once."""
    by_name = {g.name: g for g in groups}
    seen: set[str] = set()
    found = []
    for name in names:
        for host in by_name[name].hosts:
            if host.id not in seen:
                seen.add(host.id)
                found.append(host)
    return found


# -- running on a host -----------------------------------------------------------


class Output(Protocol):
    rc: int
    stdout: str
    stderr: str


def testinfra_host(url: str, connection: Connection, control_path: str) -> Host:
    """The testinfra Host for ``url``; CheckFailed with the install line without it."""
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
    if url.startswith(("ssh://", "safe-ssh://")):
        # never a prompt (a password, an unknown host key): fail with ssh's reason instead
        kwargs["ssh_extra_args"] = "-o BatchMode=yes"
        if control_path:
            # one multiplexed connection per host, closed by Targets.close() (a path of
            # its own: testinfra %-formats the command line, so ssh's %C cannot be used)
            kwargs["controlpath"] = control_path
            kwargs["controlpersist"] = 60
    return testinfra.get_host(url, **kwargs)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def failure(out: Output) -> str:
    """Why a command failed, in a line: the last of its stderr, else its exit code."""
    return _last_line(out.stderr) or f"exit code {out.rc}"


def _ssh_stderr(exc: Exception) -> str | None:
    """ssh's stderr when ``exc`` is testinfra's RuntimeError for ssh exiting 255."""
    result = exc.args[0] if isinstance(exc, RuntimeError) and exc.args else None
    stderr = getattr(result, "stderr", None)
    return stderr if isinstance(stderr, str) else None


class Target:
    """One host as the checks see it: commands with a time limit, and one line
    saying why when the host cannot be reached (remembered for its other items)."""

    def __init__(self, ref: HostRef, control_path: str) -> None:
        self.ref = ref
        self._control_path = control_path
        self._host: Host | None = None
        self._connected = False
        self._unreachable: str | None = None
        self._connect_lock = threading.Lock()
        self._sessions = threading.BoundedSemaphore(ref.connection.max_sessions)

    @property
    def name(self) -> str:
        return self.ref.id

    def _fail(self, why: str) -> CheckFailed:
        return CheckFailed(f"host {self.ref.id} ({self.ref.url}) unreachable: {why}",
                           {"host": self.ref.id})

    def use(self, probe: Callable[[Host], Any]) -> Any:
        """``probe(host)`` within this host's bound on sessions. The first use connects
        (others wait for it: one connection per host); an ssh failure then makes the host
        unreachable for all its items, said in one line."""
        if self._connected:
            with self._sessions:
                return self._call(probe, self._host)
        with self._connect_lock:
            if self._unreachable is not None:
                raise self._fail(self._unreachable)
            if not self._connected:
                host = self._host or testinfra_host(self.ref.url, self.ref.connection,
                                                    self._control_path)
                self._host = host
                try:
                    with self._sessions:
                        if not self.ref.url.startswith(("ssh://", "safe-ssh://", "local://")):
                            # docker, kubectl …: their CLI says so when the host is not
                            # there, as a failed command (ssh exits 255 instead)
                            done = host.run("true")
                            if done.rc != 0:
                                self._unreachable = failure(done)
                                raise self._fail(self._unreachable)
                        found = probe(host)
                except Exception as exc:
                    stderr = _ssh_stderr(exc)
                    if stderr is None:
                        raise self._translate(exc) from None
                    self._unreachable = _last_line(stderr) or "ssh failed"  # on connecting
                    raise self._fail(self._unreachable) from None
                self._connected = True
                return found
        with self._sessions:
            return self._call(probe, self._host)

    def _call(self, probe: Callable[[Host], Any], host: Host | None) -> Any:
        try:
            return probe(host)
        except Exception as exc:
            raise self._translate(exc) from None

    def _translate(self, exc: Exception) -> Exception:
        """An exception of testinfra's as one line naming the host."""
        if isinstance(exc, CheckFailed):
            return exc
        stderr = _ssh_stderr(exc)
        if stderr is not None:
            return CheckFailed(f"on {self.ref.id}: ssh failed: {_last_line(stderr)}",
                               {"host": self.ref.id})
        if isinstance(exc, AssertionError):  # testinfra: a command it needed failed
            return CheckFailed(f"on {self.ref.id}: {_last_line(str(exc))}")
        if isinstance(exc, NotImplementedError | ValueError | RuntimeError):
            why = str(exc) or "testinfra does not support this system"
            return CheckFailed(f"on {self.ref.id}: {why}")
        return exc

    def run(self, argv: Sequence[str], timeout: float, *, cwd: str | None = None,
            env: dict[str, str] | None = None, kill_after: bool = False) -> Output:
        """Run ``argv`` on the host. With ``kill_after`` (commands the user wrote, which
        may hang) the host's own ``timeout`` (coreutils, busybox) kills it after
        ``timeout`` seconds where the host has one; the probe's time limit bounds the
        rest."""
        assigns = [f"{k}={v}" for k, v in (env or {}).items()]
        command = shlex.join(["env", *assigns, *argv]) if assigns else shlex.join(argv)
        if cwd:
            command = f"cd {shlex.quote(cwd)} && {command}"
        if kill_after:
            seconds = max(1, round(timeout))
            command = (f"if command -v timeout >/dev/null 2>&1; then exec timeout -k 2 "
                       f"{seconds} sh -c {shlex.quote(command)}; else exec sh -c "
                       f"{shlex.quote(command)}; fi")
        result: Output = self.use(lambda host: host.run(command))
        return result


LOCAL = HostRef("local", "local://", "", Connection())


@functools.cache
def _this_machine() -> Target:
    return Target(LOCAL, "")


def target_of(host: Target | None) -> Target:
    """The item's target host, or this machine (through testinfra's local backend)."""
    return host if host is not None else _this_machine()


class Targets:
    """The Targets of one process, made on first use; ``close`` ends the multiplexed
    ssh connections they opened."""

    def __init__(self) -> None:
        self._targets: dict[str, Target] = {}
        self._lock = threading.Lock()
        self._control_dir: str | None = None

    def get(self, ref: HostRef) -> Target:
        with self._lock:
            found = self._targets.get(ref.url)
            if found is None:
                if self._control_dir is None:  # short: a socket path has ~100 characters
                    self._control_dir = tempfile.mkdtemp(prefix="dc-ssh-")
                path = os.path.join(self._control_dir, str(len(self._targets)))
                found = self._targets[ref.url] = Target(ref, path)
            return found

    def close(self) -> None:
        """Ask each ssh master to exit (best effort, a second at most each, in parallel)."""
        control_dir = self._control_dir
        if control_dir is None:
            return
        sockets = [os.path.join(control_dir, name) for name in os.listdir(control_dir)]
        procs = []
        for socket in sockets:
            with contextlib.suppress(OSError):
                procs.append(subprocess.Popen(
                    ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "unused"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for proc in procs:
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
        with contextlib.suppress(OSError):
            for name in os.listdir(control_dir):
                os.unlink(os.path.join(control_dir, name))
            os.rmdir(control_dir)
        self._control_dir = None
