"""The prometheus check over a window and against a baseline, on a real Prometheus whose
storage holds the past days (backfilled with promtool): "the first 24 hours" checked the
morning after, "degradation > 50 %" against last week."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from helpers.checks import fails, passes, shows
from helpers.monitoring import history, installed
from helpers.project import IN_CI
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.testing import run_check

NOW = time.time()
DEPLOYED = NOW - 3 * 3600  # three hours ago


def spike(moment: float) -> float:  # one bad quarter of an hour, two hours ago
    return 0.9 if abs(moment - (NOW - 7200)) < 600 else 0.1


SERIES = {
    "latency_ok": lambda t: 0.11 if t > NOW - 86400 else 0.10,
    "latency_spiky": spike,
    "latency_degraded": lambda t: 0.25 if t > DEPLOYED else 0.10,
}


@pytest.fixture(scope="module")
def past() -> Iterator[str]:
    if not installed():
        reason = "Prometheus is not installed (apt-get install prometheus)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with history(SERIES) as url:
        yield url


def test_a_window_from_history_holds_every_sample_to_the_bound(past: str) -> None:
    found = passes("prometheus", {"url": past, "query": "latency_ok", "over": "24h",
                                  "max": 0.2})
    shows(found, worst="0.11", worst_at="20*Z")
    assert int(found.evidence["samples"]) > 250
    fails("prometheus", {"url": past, "query": "latency_spiky", "over": "24h", "max": 0.2},
          "expected latency_spiky <= 0.2 over the window, got 0.9 at 20*Z")


def test_the_same_query_at_one_moment_misses_the_spike(past: str) -> None:
    passes("prometheus", {"url": past, "query": "latency_spiky", "max": 0.2})


def test_a_baseline_a_week_ago_catches_a_degradation(past: str) -> None:
    found = passes("prometheus", {"url": past, "query": "latency_ok",
                                  "baseline": {"offset": "7d"}, "max_ratio": 1.5})
    assert (found.evidence["value"], found.evidence["baseline"], found.evidence["ratio"]) == (
        0.11, 0.1, 1.1)
    fails("prometheus", {"url": past, "query": "latency_degraded",
                         "baseline": {"offset": "7d"}, "max_ratio": 1.5},
          "expected latency_degraded at most 1.5 times its baseline, got 0.25 against 0.1 at "
          "20*Z (ratio 2.50)")
    fails("prometheus", {"url": past, "query": "latency_degraded",
                         "baseline": {"offset": "7d"}, "max_increase": 0.1},
          "expected latency_degraded at most 0.1 above its baseline, got 0.25 against 0.1 *")


def test_since_the_deploy_against_before_the_deploy(past: str) -> None:
    spec = {"url": past, "query": "latency_degraded", "over": "since_deploy",
            "baseline": "before_deploy", "max_ratio": 1.5, "deployed_at": str(DEPLOYED)}
    found = fails("prometheus", spec, "expected latency_degraded at most 1.5 times its "
                                      "baseline, got 0.2* against 0.1 at *")
    shows(found, window="20*Z to 20*Z")  # from the deploy until now
    passes("prometheus", {**spec, "query": "latency_ok"})
    environ = {"DEPLOYCHECK_DEPLOYED_AT": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                        time.gmtime(DEPLOYED))}
    # the deploy time from the environment, to the second: the window's first samples
    # (and so the ratio's last digits) depend on where in that second the test started
    fails("prometheus", {**spec, "deployed_at": None, "max_ratio": 2},
          "*at most 2 times its baseline, got 0.2* against 0.1 at *(ratio 2.?*)",
          environ=environ)


def test_no_data_at_the_baseline_or_no_deploy_time_fails(past: str) -> None:
    fails("prometheus", {"url": past, "query": "latency_ok", "baseline": {"offset": "30d"},
                         "max_ratio": 1.5},
          "no baseline for 'latency_ok' at 20*Z (no data then)")
    fails("prometheus", {"url": past, "query": "latency_ok", "over": "since_deploy",
                         "max": 1}, "no deploy time: give deployed_at, set "
                                    "$DEPLOYCHECK_DEPLOYED_AT, or tag the release (not set) in "
                                    "the project's git repository", environ={})


@pytest.mark.parametrize(("spec", "message"), [
    ({"baseline": {"offset": "7d"}}, "a baseline goes with max_ratio or max_increase"),
    ({"max_ratio": 1.5}, "a baseline goes with max_ratio or max_increase"),
    ({"over": "last week"}, "over"),
], ids=["baseline alone", "ratio alone", "window in words"])
def test_a_window_or_baseline_written_wrong_is_refused(spec: dict[str, object],
                                                       message: str) -> None:
    with pytest.raises(ChecklistError, match=message):
        run_check("prometheus", {"url": "http://127.0.0.1:9", "query": "up", **spec})
