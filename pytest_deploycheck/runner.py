"""The prober: running checks with run-time variables, timeouts, polling and evidence,
on worker threads, ahead of their turn. Plain code, nothing of pytest.

:func:`run_check` runs one check and returns a :class:`~pytest_deploycheck.model.Result`.
A :class:`Prober` runs the checks of a run: those that only read on a bounded
:class:`Pool`, a window ahead of the item that reports, the others one at a time on a
lane of their own; :func:`wait` gives up on a probe that overruns its time limit.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .context import CheckContext
from .errors import CheckFailed, EvidenceValue
from .hold import held
from .hosts.groups import HostRef
from .hosts.targets import Targets
from .layout import DEFAULT_CONCURRENCY
from .model import CheckCall, Hold, Item, Result, Retry
from .probe_warnings import caught, libraries
from .registry import REGISTRY
from .secrets import Secrets
from .units import format_duration
from .variables import MissingEnvironmentVariable, resolve_env

GRACE = 1.0  # seconds a probe may overrun its own timeouts before it is abandoned


@dataclass
class RunContext:
    """What every check of one run shares."""

    rootdir: Path
    environment: str
    release: str | None = None
    secrets: Secrets = field(default_factory=Secrets)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    targets: Targets = field(default_factory=Targets)
    stopping: threading.Event = field(default_factory=threading.Event)  # -x, Ctrl-C
    deployed_at: str | None = None


def _plain(value: object) -> EvidenceValue:
    return value if isinstance(value, str | int | float | bool) else str(value)


def run_check(call: CheckCall, run: RunContext, *, timeout: float, retry: Retry | None = None,
              host: HostRef | None = None, hold: Hold | None = None) -> Result:
    """Run the check ``call`` (on ``host``), each attempt within ``timeout`` seconds,
    polling per ``retry`` or holding per ``hold``, and say what was found (not yet
    redacted) — with the warnings the check raised on this thread, those of the libraries
    it imports left out."""
    check_type = REGISTRY.get(call.type)
    assert check_type is not None, f"check type {call.type} vanished after collection"
    with caught() as found:
        result = _run_check(call, run, timeout, retry, host) if hold is None else held(
            lambda: _run_check(call, run, timeout, None, host), hold, run.stopping)
    own = libraries(check_type.modules(call.spec))
    kept = tuple(w for w in found if not (own and str(w.filename).startswith(own)))
    return replace(result, warnings=kept) if kept else result


def _run_check(call: CheckCall, run: RunContext, timeout: float, retry: Retry | None,
               host: HostRef | None) -> Result:
    started = time.monotonic()
    check_type = REGISTRY.get(call.type)
    assert check_type is not None
    spec = call.spec
    if call.uses_env:
        try:
            spec = resolve_env(spec, run.environ, run.secrets)
        except MissingEnvironmentVariable as exc:
            return Result(False, f"{exc} (the check reads ${{env:{exc.name}}})",
                          duration=time.monotonic() - started)
    poll_until = started + retry.timeout if retry else started
    attempts = 0
    history: list[str] = []
    while True:
        attempts += 1
        budget = timeout if not retry else max(0.001, min(timeout,
                                                          poll_until - time.monotonic()))
        ctx = CheckContext(timeout=budget, rootdir=run.rootdir, environment=run.environment,
                           release=run.release, environ=run.environ,
                           deployed_at=run.deployed_at,
                           host=run.targets.get(host) if host is not None else None)
        passed, message = _attempt(check_type.run, spec, ctx)
        evidence: dict[str, EvidenceValue] = {"host": host.id} if host is not None else {}
        evidence.update((k, _plain(v)) for k, v in ctx.evidence.items())
        if ctx.host is not None:
            evidence.update(ctx.host.evidence())
        if passed or not retry or time.monotonic() + retry.interval >= poll_until:
            break
        history.append(f"attempt {attempts}: {message}")
        time.sleep(retry.interval)
    duration = time.monotonic() - started
    if retry:
        evidence["attempts"] = attempts
        if history:
            evidence["earlier attempts"] = "; ".join(history[-5:])
    if not passed and retry and attempts > 1:
        message = f"{message} (still failing after {attempts} attempts in " \
                  f"{format_duration(duration)})"
    return Result(passed, message, evidence, attempts, duration)


def _attempt(run: object, spec: object, ctx: CheckContext) -> tuple[bool, str]:
    try:
        returned = run(spec, ctx)  # type: ignore[operator]
    except CheckFailed as exc:
        ctx.evidence.update(exc.evidence)
        return False, exc.message
    except Exception as exc:  # a bug in a check type: fail the item, say where
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.evidence["error location"] = f"{where.filename}:{where.lineno}"
        return False, f"the check raised {type(exc).__name__}: {exc}"
    if returned:
        ctx.evidence.update(returned)
    return True, ""


# -- running probes on worker threads ------------------------------------------


def time_limit(item: Item) -> float:
    """The longest ``item``'s probe may take from start to end: its timeout, or the
    polling time or the hold's window plus one more attempt."""
    if item.hold:
        return item.hold.window + item.timeout
    return item.retry.timeout + item.timeout if item.retry else item.timeout


class Probe:
    """One item's check, waiting to run or running on a worker thread."""

    def __init__(self, item: Item, run: RunContext, host: HostRef | None = None) -> None:
        assert item.check is not None, "manual items have no check to run"
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
        item = self.item
        assert item.check is not None
        try:
            self.result = run_check(item.check, self.run, timeout=item.timeout,
                                    retry=item.retry, host=self.host, hold=item.hold)
        except BaseException as exc:  # never let a worker die silently
            self.result = Result(False, f"the probe crashed: {type(exc).__name__}: {exc}")
        finally:
            if self.host is not None:
                self.run.targets.finished(self.host)
            self.done.set()

    def cancel(self) -> bool:
        """Cancel the probe if it has not started; True if it will not run."""
        with self._lock:
            if self.started is None:
                self.cancelled = True
            return self.cancelled


class Pool:
    """A bounded pool of daemon threads that runs probes in the order submitted.

    Daemon threads, not ``concurrent.futures``: a probe that hangs past its
    time limit is abandoned, and must not hold up the end of the pytest run.
    """

    def __init__(self, size: int) -> None:
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


def wait(probe: Probe, pool: Pool | None = None,
         progress: Callable[[Probe | None], None] | None = None) -> Result:
    """The probe's result, or a failure once it overruns its time limit; ``progress``
    is told about the running probe about once a second while it is awaited, and
    ``None`` when the wait is over."""
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
        deadline = started + limit + GRACE
        while progress is not None and not probe.done.wait(min(1.0, max(
                0.0, deadline - time.monotonic()))) and time.monotonic() < deadline:
            progress(probe)
        if progress is not None:
            progress(None)
        if probe.done.wait(max(0.0, deadline - time.monotonic())):
            break
        probe.abandoned = True
        if pool is not None:
            pool.abandoned.append(probe)
        return Result(False, f"the check did not finish within its time limit of "
                             f"{format_duration(limit)} (abandoned)",
                      duration=time.monotonic() - started)
    assert probe.result is not None
    return probe.result


def probe_order(hosts: Sequence[str | None], block: int) -> list[int]:
    """The order to probe in (indices of ``hosts``, one per probe in the order their
    results are asked for, None for a probe on no host): hosts ``block`` at a time, each
    block's probes together, so that a host's connection is opened once and closed soon;
    probes on no host keep their place."""
    first: dict[str, int] = {}  # host → where its block starts
    start = 0
    keys = []
    for n, host in enumerate(hosts):
        if host is not None and host not in first:
            if len(first) % block == 0:
                start = n
            first[host] = start
        keys.append(n if host is None else first[host])
    return sorted(range(len(hosts)), key=lambda n: (keys[n], n))


def runs_concurrently(item: Item) -> bool:
    """Whether ``item``'s probe may run concurrently with others."""
    return item.check is not None and item.check.read_only and not item.ordered


class Prober:
    """Runs the checks of one run: read-only ones concurrently on a pool, a bounded
    window ahead of the item that reports; each item collects its result (by its key)
    when its turn comes. Others run one at a time, on a lane of their own."""

    def __init__(self, context: RunContext, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.context = context
        self.concurrency = concurrency
        self.pool: Pool | None = None
        self._probes: dict[str, Probe] = {}
        self._upcoming: deque[tuple[str, Item, HostRef | None]] = deque()  # in probe order
        self._planned: set[str] = set()  # keys prefetched and not yet asked for
        self._lane: Pool | None = None
        # told, about once a second, how the holds go while the run waits on one
        self.progress: Callable[[str | None], None] | None = None

    def prefetch(self, planned: Iterable[tuple[str, Item, HostRef | None]]) -> None:
        """Start probing the concurrent checks of ``planned`` — (key, item, host) in the
        order their results will be asked for — hosts a block at a time
        (:func:`probe_order`); each host's connection stays open till its planned probes
        are done."""
        planned = list(planned)
        for host, count in Counter(h for _, i, h in planned if h and i.check).items():
            self.context.targets.expect(host, count)
        if self.concurrency <= 1:
            return
        chosen = [(key, item, host) for key, item, host in planned if runs_concurrently(item)]
        self._planned = {key for key, _, _ in chosen}
        self._upcoming = deque(chosen[n] for n in probe_order(
            [host.url if host else None for _, _, host in chosen], self.concurrency))
        if self._upcoming and (self.pool is None or self.pool.stopped):
            self.pool = Pool(min(self.concurrency, len(self._upcoming)))
        self._fill()  # a pool already there (a watch's next round) is used again

    def _fill(self, key: str | None = None) -> None:
        """Keep the pool's queue full, and (``key``) submit probes up to that one."""
        pool = self.pool
        if pool is None or pool.stopped:
            return
        window = 2 * pool.size
        while self._upcoming and (pool.backlog() < window or (
                key is not None and key not in self._probes)):
            found, item, host = self._upcoming.popleft()
            self._probes[found] = pool.submit(Probe(item, self.context, host))

    def result(self, key: str, item: Item, host: HostRef | None = None) -> Result:
        """Run (or collect the prefetched result of) ``item``'s check (on ``host``)."""
        self._fill(key if key in self._planned else None)
        self._planned.discard(key)
        probe = self._probes.pop(key, None)
        if probe is None:  # checks that run alone, one after the other, on a lane of their own
            if self._lane is None or self._lane.stuck():
                self._lane = Pool(1)
            return wait(self._lane.submit(Probe(item, self.context, host)), self._lane,
                        self._holding if item.hold else None)
        return wait(probe, self.pool, self._holding if item.hold else None)

    def _holding(self, probe: Probe | None) -> None:
        """``holding production::error-rates: 29m 10s left; 9 more holds running`` (None:
        the wait is over)."""
        if self.progress is None or probe is None:
            if self.progress is not None:
                self.progress(None)
            return
        if probe.item.hold is None or probe.started is None:
            return
        left = probe.started + probe.item.hold.window - time.monotonic()
        others = sum(1 for p in self._probes.values() if p.item.hold is not None
                     and p.started is not None and not p.done.is_set())
        item = probe.item
        self.progress(f"holding {item.checklist}::{item.id}: {format_duration(max(0, left))} "
                      f"left" + (f"; {others} more holds running" if others else ""))

    def stop(self) -> None:
        """Launch no more probes, end the holds (the run is stopping: ``-x``,
        ``--maxfail``)."""
        self.context.stopping.set()
        if self.pool is not None:
            self.pool.cancel_pending()

    def close(self) -> None:
        """Stop the threads; the probes not asked for are dropped."""
        self.context.stopping.set()
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        self._probes.clear()
        self._upcoming.clear()
        self._planned.clear()
        if self._lane is not None:
            self._lane.close()
            self._lane = None
