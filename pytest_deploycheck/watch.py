"""A watch (``deploycheck watch``): the selected automated items run again every
``every`` for a window (or until stopped), in one process that reuses what it collected,
while ``/healthz`` and ``/metrics`` tell how they hold.

Each round runs every watched item once, side by side as a run does (a ``hold:`` is the
watch's own rounds here; ``retry:`` still polls). A round in which an item fails (any
status that holds a gate shut) is a breach: the first one runs ``--on-breach`` once, and
``--stop-on-breach`` ends the watch there. Sign-offs are no probes: manual items are left
out of the rounds and decided once, at the end, as in a run. When the watch ends, each
item's verdict — its first failure with the round and time, else its latest record —
becomes its outcome in the run's reports, so the exit code and the evidence say whether
everything held for the whole watch. SIGTERM and Ctrl-C end it cleanly after the item
that is running. State is one entry per item, whatever the number of rounds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from . import spawn
from .endpoints import Endpoints
from .outcome import BLOCKING
from .record import ItemRecord
from .report.exposition import Family, text
from .run import Case, Run
from .units import format_duration


@dataclass(frozen=True)
class Plan:
    """How to watch: every ``every`` seconds for ``window`` (None: until stopped),
    serving on ``listen``:``port`` (0: a free port)."""

    every: float
    window: float | None = None
    listen: str = "127.0.0.1"
    port: int = 0
    on_breach: str | None = None
    on_breach_timeout: float = 1800.0
    stop_on_breach: bool = False
    endpoints: Endpoints | None = None  # bound already (else bound on listen:port)


@dataclass
class Watched:
    """What the watch knows of one item: its latest record and its failures."""

    case: Case
    last: ItemRecord | None = None
    last_at: float = 0.0  # Unix time the latest record was made
    runs: int = 0
    failures: int = 0
    consecutive: int = 0
    first_failure: ItemRecord | None = None
    first_failure_round: int = 0
    first_failure_at: float = 0.0

    @property
    def holds(self) -> bool:
        return self.last is not None and self.last.status not in BLOCKING


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%H:%M:%S UTC")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _name(case: Case) -> str:
    item = case.item
    return f"{item.checklist}::{item.id}" + (f"[{case.host.id}]" if case.host else "")


class Watch:
    """The watched items and their state; rounds, health and metrics."""

    def __init__(self, run: Run, cases: Sequence[Case], plan: Plan,
                 say: Callable[[str], None] = print) -> None:
        self.run = run
        self.plan = plan
        self.say = say
        self.manual = [c for c in cases if c.item.check is None]
        environment = run.settings.environment
        self.cases = [replace(c, item=replace(c.item, hold=None)) if c.item.hold else c
                      for c in cases if c.item.check is not None
                      and c.item.not_applicable_in(environment) is None]
        self.items = {c.nodeid: Watched(c) for c in self.cases}
        self.rounds = 0
        self.breaches = 0  # rounds in which an item failed
        self.first_breach = 0
        self.round_duration = 0.0
        self.longest_round = 0.0
        self.started = time.time()
        self.stop = threading.Event()
        self.ended_by = "the window ended"
        self.on_breach_said = ""
        self._failing: list[str] = []
        self._lock = threading.Lock()

    def round(self) -> bool:
        """Run every item once more; True if the round was whole (not stopped)."""
        number = self.rounds + 1
        started = time.monotonic()
        self.run.again(self.cases)
        for case in self.cases:
            if self.stop.is_set():
                return False
            record = self.run.blocked(case) or self.run.record(case)
            self._note(self.items[case.nodeid], record, number)
        failing = [n for n, w in self.items.items() if not w.holds]
        with self._lock:
            self.rounds, self.round_duration = number, time.monotonic() - started
        self.longest_round = max(self.longest_round, self.round_duration)
        if failing:
            self.breaches += 1
            self.first_breach = self.first_breach or number
        if failing != self._failing:
            self._said_changes(number, failing)
        self._failing = failing
        return True

    def _note(self, watched: Watched, record: ItemRecord, number: int) -> None:
        at = time.time()
        with self._lock:
            watched.last, watched.last_at = record, at
            watched.runs += 1
            if record.status in BLOCKING:
                watched.failures += 1
                watched.consecutive += 1
                if watched.first_failure is None:
                    watched.first_failure = record
                    watched.first_failure_round, watched.first_failure_at = number, at
            else:
                watched.consecutive = 0

    def _said_changes(self, number: int, failing: list[str]) -> None:
        at = _clock(time.time())
        if not failing:
            self.say(f"round {number} at {at}: every watched item holds again")
            return
        self.say(f"round {number} at {at}: {len(failing)} of "
                 f"{_count(len(self.items), 'watched item')} failing"
                 f"{' (breach)' if number == self.first_breach else ''}:")
        for nodeid in failing:
            watched = self.items[nodeid]
            message = watched.last.message if watched.last else ""
            self.say(f"  {_name(watched.case)}: {message}")

    def breach(self) -> None:
        """Run ``--on-breach`` (the first breach's), told the failing items in
        ``$DEPLOYCHECK_BREACH``, one per line, within its time limit."""
        command = self.plan.on_breach
        if not command:
            return
        self.say(f"deploycheck watch: breach in round {self.first_breach}: running "
                 f"--on-breach: {command}")
        environ = {**os.environ, "DEPLOYCHECK_BREACH": "\n".join(
            _name(self.items[n].case) for n in self._failing)}
        started = time.monotonic()
        try:
            proc = spawn.start(command, shell=True, environ=environ, stdin=subprocess.DEVNULL,
                               start_new_session=True)
        except OSError as exc:
            self.on_breach_said = f"--on-breach could not start: {exc.strerror or exc}"
        else:
            _, _, overran = spawn.finish(proc, self.plan.on_breach_timeout)
            took = format_duration(time.monotonic() - started)
            self.on_breach_said = (
                f"--on-breach did not finish within "
                f"{format_duration(self.plan.on_breach_timeout)} (killed)" if overran
                else f"--on-breach exited {proc.returncode} after {took}")
        self.say(f"deploycheck watch: {self.on_breach_said}")

    # -- what the endpoints serve ------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        """``/healthz``: 200 while every watched item holds; 503 with the failing items
        (or before the first round is done)."""
        with self._lock:
            body: dict[str, Any] = {"rounds": self.rounds, "items": len(self.items)}
            if self.rounds == 0:
                return 503, {"status": "starting", **body}
            failing = [{"item": w.case.item.id, "checklist": w.case.item.checklist,
                        "host": w.case.host.id if w.case.host else None,
                        "phase": w.case.item.phase, "status": w.last.status,
                        "message": w.last.message, "consecutive_failures": w.consecutive}
                       for w in self.items.values() if w.last is not None and not w.holds]
        if failing:
            return 503, {"status": "failing", **body, "failing": failing}
        return 200, {"status": "holding", **body}

    def metrics(self) -> str:
        """``/metrics``, in the Prometheus text format."""
        up = Family("deploycheck_item_up", "1 if the item held in its latest round, else 0")
        duration = Family("deploycheck_item_duration_seconds",
                          "How long the item's check took in its latest round")
        last = Family("deploycheck_item_last_run_timestamp_seconds",
                      "When the item last ran (Unix time)")
        consecutive = Family("deploycheck_item_consecutive_failures",
                             "Rounds in a row the item has failed, up to its latest")
        ready = Family("deploycheck_phase_ready",
                       "1 if every watched item of the phase held in its latest round")
        phases: dict[str, bool] = {}
        with self._lock:
            for w in self.items.values():
                item = w.case.item
                labels = {"checklist": item.checklist, "item": item.id, "phase": item.phase,
                          "host": w.case.host.id if w.case.host else ""}
                up.add(1 if w.holds else 0, **labels)
                duration.add(w.last.duration if w.last else 0.0, **labels)
                last.add(w.last_at, **labels)
                consecutive.add(w.consecutive, **labels)
                phases[item.phase] = phases.get(item.phase, True) and w.holds
            for phase, holds in phases.items():
                ready.add(1 if holds else 0, phase=phase)
            rounds = Family("deploycheck_watch_rounds_total", "Whole rounds run", "counter")
            rounds.add(self.rounds)
            breaches = Family("deploycheck_watch_breaches_total",
                              "Rounds in which a watched item failed", "counter")
            breaches.add(self.breaches)
            took = Family("deploycheck_watch_round_duration_seconds",
                          "How long the latest whole round took")
            took.add(self.round_duration)
        return self.run.secrets.redact(text(
            [up, duration, last, consecutive, ready, rounds, breaches, took]))

    # -- the end -------------------------------------------------------------------

    def verdicts(self) -> dict[str, ItemRecord]:
        """Each item's outcome over the whole watch: its first failure, with when,
        else its latest record; an item no round reached is an error."""
        every = format_duration(self.plan.every)
        found: dict[str, ItemRecord] = {}
        for nodeid, w in self.items.items():
            if w.last is None:
                found[nodeid] = self.run.broken(w.case, f"the watch ended ({self.ended_by}) "
                                                "before any round reached this item")
                continue
            if w.first_failure is None:
                said = f"held in {'all ' if w.runs > 1 else ''}{_count(w.runs, 'round')}, " \
                       f"every {every}"
                found[nodeid] = replace(w.last, evidence=(*w.last.evidence, ("watch", said)))
                continue
            first = w.first_failure
            said = (f"failed in {w.failures} of {_count(w.runs, 'round')}, every {every}; "
                    f"{'held' if w.holds else 'failing'} in the latest")
            found[nodeid] = replace(first, evidence=(*first.evidence, ("watch", said)),
                                    message=f"failed in round {w.first_failure_round} at "
                                    f"{_clock(w.first_failure_at)}: {first.message}")
        return found

    def summary(self) -> str:
        took = format_duration(time.time() - self.started)
        said = f"deploycheck watch: {_count(self.rounds, 'round')} in {took} ({self.ended_by})"
        if self.longest_round > self.plan.every:
            said += (f"; a round took up to {format_duration(self.longest_round)}, longer "
                     f"than --every {format_duration(self.plan.every)}")
        if not self.breaches:
            return f"{said}; every watched item held"
        failed = sum(1 for w in self.items.values() if w.failures)
        return (f"{said}; breached in round {self.first_breach}: {failed} of "
                f"{_count(len(self.items), 'item')} failed in {_count(self.breaches, 'round')}")


def watch(run: Run, cases: Sequence[Case], plan: Plan,
          say: Callable[[str], None] = print) -> Watch:
    """Watch ``cases`` per ``plan``, serving its endpoints meanwhile; when it ends, the
    verdicts are the run's records of the items (:meth:`Run.decide`)."""
    found = Watch(run, cases, plan, say)
    endpoints = (plan.endpoints or Endpoints(plan.listen, plan.port)).start()
    endpoints.watch = found
    try:
        with _stopped_by_signals(found):
            window = f"for {format_duration(plan.window)}" if plan.window else "until stopped"
            say(f"deploycheck watch: {_count(len(found.items), 'item')} every "
                f"{format_duration(plan.every)} {window}; serving "
                f"http://{endpoints.address}/healthz and /metrics")
            if not found.items:
                say("deploycheck watch: nothing to watch: no automated item is selected")
            if found.manual:
                say(f"deploycheck watch: {_count(len(found.manual), 'manual item')} left out "
                    "of the rounds (a sign-off is no probe), decided once at the end")
            _rounds(found, plan)
    finally:
        if plan.endpoints is None:
            endpoints.close()
    say(found.summary())
    run.decide(found.verdicts())
    return found


def _rounds(found: Watch, plan: Plan) -> None:
    start = time.monotonic()
    end = start + plan.window if plan.window else float("inf")
    number = 0
    while found.items and not found.stop.is_set():
        if not found.round():
            return
        number += 1
        if found.breaches == 1 and found.first_breach == found.rounds:
            found.breach()
            if plan.stop_on_breach:
                found.ended_by = "--stop-on-breach"
                return
        due = start + number * plan.every
        if due >= end:
            found.stop.wait(max(0.0, end - time.monotonic()))
            return
        found.stop.wait(max(0.0, due - time.monotonic()))


@contextlib.contextmanager
def _stopped_by_signals(found: Watch) -> Iterator[None]:
    """SIGTERM and Ctrl-C end the watch after the item that is running (main thread
    only: elsewhere the caller stops it through ``found.stop``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        found.ended_by = f"stopped by {signal.Signals(number).name}"
        found.stop.set()

    before = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
