"""Running checks on target hosts through pytest-testinfra's backends (ssh, paramiko,
docker, podman, kubectl, local …): one :class:`Target` per host and process, commands with
a time limit, and one line saying why when a host cannot be reached.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .. import spawn
from ..errors import CheckFailed
from .groups import INSTALL_HINT, Connection, HostRef

if TYPE_CHECKING:
    from testinfra.backend.base import BaseBackend, CommandResult
    from testinfra.host import Host


# -- running on a host -----------------------------------------------------------


class Output(Protocol):
    rc: int
    stdout: str
    stderr: str


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
    if url.startswith(("ssh://", "safe-ssh://")):
        # never a prompt (a password, an unknown host key): fail with ssh's reason instead
        kwargs["ssh_extra_args"] = "-o BatchMode=yes"
        if control_path:
            # one multiplexed connection per host, closed by Targets.close() (a path of
            # its own: testinfra %-formats the command line, so ssh's %C cannot be used)
            kwargs["controlpath"] = control_path
            kwargs["controlpersist"] = 60
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

    def __init__(self, ref: HostRef, control_path: str,
                 environ: Mapping[str, str] | None = None) -> None:
        self.ref = ref
        self._control_path = control_path
        self._environ = environ
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
                                                    self._control_path, self._environ)
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
    """The Targets of one run, made on first use, their programs started with
    ``environ`` (None: this process's); ``close`` ends the multiplexed ssh connections
    they opened."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ
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
                found = self._targets[ref.url] = Target(ref, path, self._environ)
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
                procs.append(spawn.start(
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
