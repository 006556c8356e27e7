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
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .. import spawn
from ..errors import CheckFailed, EvidenceValue
from ..units import format_duration
from .connections import NotPrivate, Slots, described, kept_socket, ssh_view, testinfra_host
from .groups import Connection, HostRef

if TYPE_CHECKING:
    from testinfra.host import Host


# -- running on a host -----------------------------------------------------------


class Output(Protocol):
    rc: int
    stdout: str
    stderr: str


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
    """One host as the checks see it: commands with a time limit, and one line saying
    why when the host cannot be reached (remembered for its other items). Its connection
    opens on first use, within the run's :class:`~.connections.Slots`, and closes when the
    host's last planned probe is done (:meth:`finished`) or a slot is needed for another
    host while it is idle; it opens again if used again."""

    def __init__(self, ref: HostRef, control_path: str,
                 environ: Mapping[str, str] | None = None, slots: Slots | None = None,
                 kept_in: Path | None = None, stopping: threading.Event | None = None) -> None:
        self.ref = ref
        self._stopping = stopping
        self._control_path = control_path
        self._environ = environ
        self._slots = slots
        self._kept_in = kept_in  # the project whose kept connections it joins
        self._view: str | None = None  # what ssh makes of its config (ssh -G)
        self._host: Host | None = None
        self._unreachable: str | None = None
        self._connect_lock = threading.Lock()
        self._sessions = threading.BoundedSemaphore(ref.connection.max_sessions)
        self._state = threading.Lock()  # guards the three below
        self._open = False
        self._active = 0  # probes using the connection now
        self._expected = 0  # planned probes not finished yet
        self._facts: dict[str, EvidenceValue] = {}  # the connection, for the evidence

    @property
    def name(self) -> str:
        return self.ref.id

    def _fail(self, why: str) -> CheckFailed:
        return CheckFailed(f"host {self.ref.id} ({self.ref.url}) unreachable: {why}",
                           {"host": self.ref.id})

    def _enter(self) -> bool:
        with self._state:
            if self._open:
                self._active += 1
            return self._open

    def _leave(self) -> None:
        with self._state:
            self._active -= 1
        if self._slots is not None:
            self._slots.used(self)

    def use(self, probe: Callable[[Host], Any]) -> Any:
        """``probe(host)`` within this host's bound on sessions. The first use connects
        (others wait for it: one connection per host); an ssh failure then makes the host
        unreachable for all its items, said in one line."""
        if not self._enter():
            with self._connect_lock:
                if self._unreachable is not None:
                    raise self._fail(self._unreachable)
                if not self._enter():
                    return self._connect(probe)
        try:
            with self._sessions:
                return self._call(probe, self._host)
        finally:
            self._leave()

    def _connect(self, probe: Callable[[Host], Any]) -> Any:
        """Open the connection with the first ``probe`` (holding the connect lock)."""
        if self._kept_in is not None and not self._control_path:
            try:
                self._control_path = kept_socket(self._kept_in, self.ref,
                                                 self._environ or os.environ, self.view())
            except (NotPrivate, OSError) as exc:
                raise CheckFailed(f"host {self.ref.id}: cannot keep its connection: {exc}",
                                  {"host": self.ref.id}) from None
        host = self._host = self._host or testinfra_host(
            self.ref.url, self.ref.connection, self._control_path, self._environ)
        try:
            waited = self._slots.take(self, self._stopping) if self._slots else 0.0
        except RuntimeError as exc:  # the run stops while this host waits for a connection
            raise CheckFailed(f"host {self.ref.id}: not connected: {exc}") from None
        started = time.monotonic()
        with self._state:
            self._active += 1
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
            if stderr is not None or self._unreachable is not None:  # on connecting
                self._unreachable = self._unreachable or _last_line(stderr or "") or "ssh failed"
                self._closed()
                raise self._fail(self._unreachable) from None
            self._opened(started, waited)
            raise self._translate(exc) from None
        finally:
            self._leave()
        self._opened(started, waited)
        return found

    def _opened(self, started: float, waited: float) -> None:
        took = time.monotonic() - started
        with self._state:
            self._open = True
        facts = self._facts
        if "connection" not in facts:
            facts["connection"] = described(self.ref, self.view())
        facts["connect and first command"] = format_duration(took)
        facts["connections opened"] = int(facts.get("connections opened", 0)) + 1
        facts.pop("waited for a connection", None)
        if waited >= 0.01 and self._slots is not None:
            facts["waited for a connection"] = (f"{format_duration(waited)} ({self._slots.size} "
                                                "open at once at most)")

    def _closed(self) -> None:
        with self._state:
            self._open = False
        if self._slots is not None:
            self._slots.give_back(self)

    def view(self) -> str:
        """What ssh makes of this host's URL and config (:func:`.connections.ssh_view`)."""
        if self._view is None:
            self._view = ssh_view(self.ref, self._environ)
        return self._view

    def evidence(self) -> dict[str, EvidenceValue]:
        """The connection an item used: what it is, how long connecting took, and how
        long the host waited for a free connection."""
        facts = dict(self._facts)
        if facts.get("connections opened") == 1:
            del facts["connections opened"]
        return facts

    def expect(self, probes: int) -> None:
        """``probes`` more probes of this host are planned."""
        with self._state:
            self._expected += probes

    def finished(self) -> None:
        """A planned probe of this host is done; after the last, the connection closes."""
        with self._state:
            self._expected -= 1
            last = self._expected <= 0
        keep = self._slots is not None and self._slots.keep_idle  # a watch's next round
        end = self.try_close() if last and not keep else None
        if end is not None:
            if self._slots is not None:
                self._slots.give_back(self)
            end()

    def try_close(self) -> Callable[[], None] | None:
        """Mark the connection closed unless a probe uses it; what ends it (None: in use,
        or not open)."""
        with self._state:
            if not self._open or self._active:
                return None
            self._open = False
        return self.end

    def end(self) -> None:
        """Ask the ssh master to exit (a kept connection stays, for its idle time)."""
        if self._control_path and self.ref.connection.control_persist is None:
            stop_master(self._control_path, self._environ)

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


def stop_master(socket: str, environ: Mapping[str, str] | None = None,
                wait: bool = True) -> subprocess.Popen[bytes] | None:
    """Ask the ssh master on ``socket`` to exit (best effort: two seconds at most, or
    the process to wait for)."""
    try:
        proc = spawn.start(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "unused"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           environ=environ)
    except OSError:
        return None
    if wait:
        _reap(proc)
    return proc


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Targets:
    """The Targets of one run, made on first use, their programs started with
    ``environ`` (None: this process's), at most ``max_open`` connections open at once;
    ``close`` ends the multiplexed ssh connections they opened, but those kept
    (``ssh_control_persist``: in a directory of the project's, see
    :func:`.connections.kept_socket`)."""

    def __init__(self, environ: Mapping[str, str] | None = None, *,
                 rootdir: Path | None = None, max_open: int = 64,
                 stopping: threading.Event | None = None) -> None:
        self._environ = environ
        self._stopping = stopping
        self._rootdir = rootdir or Path.cwd()
        self.slots = Slots(max_open)
        self._targets: dict[str, Target] = {}
        self._lock = threading.Lock()
        self._control_dir: str | None = None

    def get(self, ref: HostRef) -> Target:
        with self._lock:
            found = self._targets.get(ref.url)
            if found is None:
                kept = ref.connection.control_persist is not None
                found = self._targets[ref.url] = Target(
                    ref, "" if kept else self._control_path(), self._environ, self.slots,
                    self._rootdir if kept else None, self._stopping)
            return found

    def _control_path(self) -> str:
        """Where a host's ssh master listens, in the run's own directory."""
        if self._control_dir is None:  # short: a socket path has ~100 characters
            self._control_dir = tempfile.mkdtemp(prefix="dc-ssh-")
        return os.path.join(self._control_dir, str(len(self._targets)))

    def expect(self, ref: HostRef, probes: int) -> None:
        """``probes`` more probes of ``ref`` are planned (its connection stays open till
        they are :meth:`finished`)."""
        self.get(ref).expect(probes)

    def finished(self, ref: HostRef) -> None:
        """A probe of ``ref`` is done."""
        self.get(ref).finished()

    def close(self) -> None:
        """Ask each ssh master of the run to exit (in parallel, two seconds at most)."""
        control_dir = self._control_dir
        if control_dir is None:
            return
        procs = [stop_master(os.path.join(control_dir, name), self._environ, wait=False)
                 for name in os.listdir(control_dir)]
        for proc in procs:
            if proc is not None:
                _reap(proc)
        with contextlib.suppress(OSError):
            for name in os.listdir(control_dir):
                os.unlink(os.path.join(control_dir, name))
            os.rmdir(control_dir)
        self._control_dir = None
