"""The hold loop as plain code: attempts on a schedule, an early end, a stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pytest_deploycheck.hold import held, key_value, timeline
from pytest_deploycheck.model import Hold, Result


def counting(*outcomes: bool) -> tuple[list[float], Callable[[], Result]]:
    times: list[float] = []

    def attempt() -> Result:
        times.append(time.monotonic())
        passed = outcomes[min(len(times), len(outcomes)) - 1]
        return Result(passed, "" if passed else "down", {"url": "x", "status": 200 if passed
                                                          else 500})
    return times, attempt


def test_attempts_run_on_schedule_from_start_to_the_end_of_the_window() -> None:
    times, attempt = counting(True)
    result = held(attempt, Hold(0.4, 0.1), threading.Event())
    assert result.passed
    assert len(times) == 5  # at 0, .1, .2, .3, .4
    assert abs((times[-1] - times[0]) - 0.4) < 0.05
    assert result.message.startswith(("held for 40", "held for 41"))  # ms
    assert result.evidence["timeline"] == "+0s ok 200; +0.1s ok 200; +0.2s ok 200; " \
                                          "+0.3s ok 200; +0.4s ok 200"


def test_the_hold_ends_at_the_failure_beyond_the_limit() -> None:
    times, attempt = counting(True, False, False, True)
    result = held(attempt, Hold(1.0, 0.05, failure_limit=1), threading.Event())
    assert not result.passed
    assert len(times) == 3
    assert result.message.startswith("failed at attempt 3, 0.1 s into a 1.0 s hold (failure "
                                     "limit 1): down")
    assert result.evidence["failed attempts"] == 2


def test_a_stopping_run_ends_the_hold_not_passed() -> None:
    stopping = threading.Event()
    _, attempt = counting(True)
    threading.Timer(0.15, stopping.set).start()
    started = time.monotonic()
    result = held(attempt, Hold(10.0, 0.1), stopping)
    assert time.monotonic() - started < 0.5
    assert not result.passed
    assert result.message.startswith("stopped after 2 attempts of a 10.0 s hold")


def test_the_evidence_keeps_the_first_and_latest_attempts() -> None:
    assert key_value({"url": "x", "latency": 12.5, "status": 200}) == "12.5"
    assert key_value({"state": "up"}) == "up"
    entries = [f"+{n}s ok" for n in range(100)]
    shown = timeline(entries).split("; ")
    assert shown[:2] == ["+0s ok", "+1s ok"]
    assert shown[10] == "… 60 more …"
    assert shown[-1] == "+99s ok"
