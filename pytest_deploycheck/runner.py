"""Running one item's check: run-time variables, timeouts, polling, evidence.

Plain code, no pytest: :func:`run_check` takes an item and returns a
:class:`~pytest_deploycheck.model.Result`. Probes run on worker threads — a
bounded :class:`Pool` for checks that only read, a thread of their own for the
others — and :func:`wait` gives up on a probe that overruns its time limit.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import MissingEnvironmentVariable, Secrets, resolve_env
from .errors import CheckFailed, EvidenceValue
from .hosts import HostRef, Targets
from .model import Item, Outcome, Result
from .registry import REGISTRY, CheckContext
from .units import format_duration


@dataclass
class RunContext:
    """What every check of one run shares."""

    rootdir: Path
    environment: str
    release: str | None = None
    secrets: Secrets = field(default_factory=Secrets)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    targets: Targets = field(default_factory=Targets)


def _plain(value: object) -> EvidenceValue:
    return value if isinstance(value, str | int | float | bool) else str(value)


def run_check(item: Item, run: RunContext, host: HostRef | None = None) -> Result:
    """Run ``item``'s check (on ``host`` for an item with ``on:``), polling per its
    ``retry``, and say what was found."""
    assert item.check is not None, "manual items have no check to run"
    started = time.monotonic()
    check_type = REGISTRY.get(item.check.type)
    assert check_type is not None, f"check type {item.check.type} vanished after collection"
    spec = item.check.spec
    if item.check.uses_env:
        try:
            spec = resolve_env(spec, run.environ, run.secrets)
        except MissingEnvironmentVariable as exc:
            return Result("failed", f"{exc} (the check reads ${{env:{exc.name}}})",
                          duration=time.monotonic() - started)
    poll_until = started + item.retry.timeout if item.retry else started
    attempts = 0
    history: list[str] = []
    while True:
        attempts += 1
        budget = item.timeout
        if item.retry:
            budget = max(0.001, min(budget, poll_until - time.monotonic()))
        ctx = CheckContext(timeout=budget, rootdir=run.rootdir, environment=run.environment,
                           release=run.release,
                           host=run.targets.get(host) if host is not None else None)
        outcome, message = _attempt(check_type.run, spec, ctx)
        evidence: dict[str, EvidenceValue] = {"host": host.id} if host is not None else {}
        evidence.update((k, _plain(v)) for k, v in ctx.evidence.items())
        now = time.monotonic()
        if outcome == "passed" or not item.retry or now + item.retry.interval >= poll_until:
            break
        history.append(f"attempt {attempts}: {message}")
        time.sleep(item.retry.interval)
    duration = time.monotonic() - started
    verdict: Outcome = "passed" if outcome == "passed" else "failed"
    if item.retry:
        evidence["attempts"] = attempts
        if history:
            evidence["earlier attempts"] = "; ".join(history[-5:])
    if outcome == "failed" and item.retry and attempts > 1:
        message = f"{message} (still failing after {attempts} attempts in " \
                  f"{format_duration(duration)})"
    if run.secrets:
        message = run.secrets.redact(message)
        evidence = {k: run.secrets.redact(v) if isinstance(v, str) else v
                    for k, v in evidence.items()}
    return Result(verdict, message, evidence, attempts, duration)


def _attempt(run: object, spec: object, ctx: CheckContext) -> tuple[str, str]:
    try:
        returned = run(spec, ctx)  # type: ignore[operator]
    except CheckFailed as exc:
        ctx.evidence.update(exc.evidence)
        return "failed", exc.message
    except Exception as exc:  # a bug in a check type: fail the item, say where
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.evidence["error location"] = f"{where.filename}:{where.lineno}"
        return "failed", f"the check raised {type(exc).__name__}: {exc}"
    if returned:
        ctx.evidence.update(returned)
    return "passed", ""


# -- running probes on worker threads ------------------------------------------

GRACE = 1.0  # seconds a probe may overrun its own timeouts before it is abandoned


def time_limit(item: Item) -> float:
    """The longest ``item``'s probe may take from start to end: its timeout, or
    the polling time plus one more attempt."""
    return item.retry.timeout + item.timeout if item.retry else item.timeout


class Probe:
    """One item's check, waiting to run or running on a worker thread."""

    def __init__(self, item: Item, run: RunContext, host: HostRef | None = None) -> None:
        self.item = item
        self.run = run
        self.host = host
        self.started: float | None = None
        self.result: Result | None = None
        self.cancelled = False
        self.abandoned = False
        self.done = threading.Event()  # set once the probe ran (not when cancelled)
        self._lock = threading.Lock()

    def execute(self) -> None:
        """Run the check (on a worker thread), unless cancelled first."""
        with self._lock:
            if self.cancelled:
                return
            self.started = time.monotonic()
        try:
            self.result = run_check(self.item, self.run, self.host)
        except BaseException as exc:  # never let a worker die silently
            self.result = Result("failed", f"the probe crashed: {type(exc).__name__}: {exc}")
        finally:
            self.done.set()

    def cancel(self) -> bool:
        """Cancel the probe if it has not started; True if it will not run."""
        with self._lock:
            if self.started is None:
                self.cancelled = True
            return self.cancelled


def _spawn_by_fork() -> None:
    """Make probe threads start programs with fork(), not vfork().

    pytest sets and removes PYTEST_CURRENT_TEST on the main thread around every item;
    a child made by vfork() shares the parent's memory until it execs, so when that
    reallocates the environment meanwhile, the exec reads freed memory and fails with
    "[Errno 14] Bad address" (seen on local:// hosts through testinfra, whose commands
    we cannot hand an environment of their own). A forked child has its own copy."""
    if getattr(subprocess, "_USE_VFORK", False):
        subprocess._USE_VFORK = False  # type: ignore[attr-defined]


class Pool:
    """A bounded pool of daemon threads that runs probes in the order submitted.

    Daemon threads, not ``concurrent.futures``: a probe that hangs past its
    time limit is abandoned, and must not hold up the end of the pytest run.
    """

    def __init__(self, size: int) -> None:
        _spawn_by_fork()
        self.size = size
        self.submitted = 0
        self.started = 0
        self.stopped = False
        self.abandoned: list[Probe] = []
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Probe | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"deploycheck-probe-{n}", daemon=True)
            for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, probe: Probe) -> Probe:
        self.submitted += 1
        self._queue.put(probe)
        return probe

    def backlog(self) -> int:
        """Probes submitted that no worker has taken yet."""
        return self.submitted - self.started

    def _work(self) -> None:
        while (probe := self._queue.get()) is not None:
            with self._lock:
                self.started += 1
            if self.stopped:
                probe.cancel()
            probe.execute()

    def stuck(self) -> int:
        """How many workers are held by abandoned probes."""
        return sum(1 for p in self.abandoned if not p.done.is_set())

    def cancel_pending(self) -> None:
        """Launch no more probes (``-x``)."""
        self.stopped = True

    def close(self) -> None:
        self.stopped = True
        for _ in self._threads:
            self._queue.put(None)


def run_alone(probe: Probe) -> Probe:
    """Run ``probe`` on a thread of its own (a check that must not run concurrently)."""
    threading.Thread(target=probe.execute, name="deploycheck-probe", daemon=True).start()
    return probe


def wait(probe: Probe, pool: Pool | None = None) -> Result:
    """The probe's result, or a failure once it overruns its time limit."""
    limit = time_limit(probe.item)
    while True:
        started = probe.started
        if started is None:
            if probe.done.wait(0.05):
                break
            if probe.cancelled or (pool is not None and pool.stuck() >= pool.size
                                   and probe.cancel()):
                # cancelled, or every worker is held by a hung probe: run it on its own
                return wait(run_alone(Probe(probe.item, probe.run, probe.host)))
            continue
        if probe.done.wait(max(0.0, started + limit + GRACE - time.monotonic())):
            break
        probe.abandoned = True
        if pool is not None:
            pool.abandoned.append(probe)
        return Result("failed", f"the check did not finish within its time limit of "
                                f"{format_duration(limit)} (abandoned)",
                      duration=time.monotonic() - started)
    assert probe.result is not None
    return probe.result
