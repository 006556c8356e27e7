"""Checks that must hold over time (``hold: {for: 30m, every: 1m, failure_limit: 0}``).

The check runs at the start and then every ``every`` until the window ends (a 3 s window
every 250 ms: 13 attempts, the last at 3 s). The item passes only when it held for the
whole window — no more than ``failure_limit`` attempts failed — and fails as soon as one
more fails: early, not at the end, naming the attempt. A run that stops (``-x``, Ctrl-C)
ends the hold at once, not passed. The evidence gives the attempts: when each ran, its
outcome and its key value (the first number the check found, such as a status or a
latency), with the last attempt's own evidence.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from .errors import EvidenceValue
from .model import Hold, Result
from .units import format_duration

TIMELINE_MAX = 40  # attempts the evidence lists: the first few and the latest


def key_value(evidence: Mapping[str, EvidenceValue]) -> str:
    """The value that tells one attempt from another: the first number found (a status,
    a latency, a query's value), else the first value."""
    if not evidence:
        return ""
    numbers = [v for v in evidence.values() if isinstance(v, int | float)
               and not isinstance(v, bool)]
    return str(numbers[0] if numbers else next(iter(evidence.values())))


def timeline(entries: list[str]) -> str:
    if len(entries) > TIMELINE_MAX:
        keep = TIMELINE_MAX - 10
        entries = [*entries[:10], f"… {len(entries) - TIMELINE_MAX} more …", *entries[-keep:]]
    return "; ".join(entries)


def held(attempt: Callable[[], Result], hold: Hold, stopping: threading.Event) -> Result:
    """Run ``attempt`` (one try of the check) over the window of ``hold``; stop early when
    ``stopping`` is set."""
    started = time.monotonic()
    entries: list[str] = []
    failed = 0
    number = 0
    last = Result(False, "no attempt ran")
    window = format_duration(hold.window)
    while True:
        due = started + number * hold.every
        if stopping.wait(max(0.0, due - time.monotonic())):
            return _ended(last, f"stopped after {number} attempts of a {window} hold: the "
                          "run is stopping", entries, number, failed, started)
        at = time.monotonic() - started
        last = attempt()
        number += 1
        value = key_value(last.evidence)
        outcome = "ok" if last.passed else "FAILED"
        entries.append(f"+{at:.2f}".rstrip("0").rstrip(".") + f"s {outcome}"
                       + (f" {value}" if value else ""))
        if not last.passed:
            failed += 1
            if failed > hold.failure_limit:
                limit = f" (failure limit {hold.failure_limit})" if hold.failure_limit else ""
                return _ended(last, f"failed at attempt {number}, {at:.1f} s into a {window} "
                              f"hold{limit}: {last.message}", entries, number, failed, started)
        if number * hold.every > hold.window + 1e-9:
            break
    return _ended(last, "", entries, number, failed, started, passed=True)


def _ended(last: Result, message: str, entries: list[str], number: int, failed: int,
           started: float, passed: bool = False) -> Result:
    duration = time.monotonic() - started
    evidence: dict[str, EvidenceValue] = {
        "held" if passed else "held until": format_duration(duration), "attempts": number,
        "failed attempts": failed, "timeline": timeline(entries)}
    evidence.update((f"last: {k}", v) for k, v in last.evidence.items())
    if passed:
        message = f"held for {format_duration(duration)}: {number} attempts, {failed} failed"
    return Result(passed, message, evidence, number, duration, warnings=last.warnings)
