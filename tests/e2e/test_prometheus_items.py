"""The prometheus check as items polling real Prometheus until data flows (its judgement
is in ``unit/test_check_prometheus.py``)."""

from __future__ import annotations

import time

import pytest

from helpers.monitoring import Monitoring, history, installed
from helpers.project import IN_CI, Project

POLL = "retry: {timeout: 15s, interval: 500ms}"


def run_one(project: Project, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{prometheus: {{{spec}}}}}", extra=extra)


def test_a_query_on_flowing_data_passes(project: Project, scraped: Monitoring) -> None:
    result = run_one(project, f"url: '{scraped.prometheus}', query: 'up{{job=\"prometheus\"}}', "
                              "equals: 1", extra=POLL)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["value: 1.0", "series: 1"])


def test_a_target_that_is_down_fails_naming_it(project: Project, scraped: Monitoring) -> None:
    result = run_one(project, f"url: '{scraped.prometheus}', targets_up: true")
    result.stdout.fnmatch_lines(["1 of 2 targets are not up (first: nothing http://127.0.0.1:*"])


def test_the_deploy_time_comes_from_the_command_line(project: Project) -> None:
    """`over: since_deploy` with --deploycheck-deployed-at: the window starts there (a
    Prometheus whose storage holds the past day, backfilled by promtool)."""
    if not installed():
        if IN_CI:
            pytest.fail("Prometheus is not installed")
        pytest.skip("Prometheus is not installed (apt-get install prometheus)")
    now = time.time()
    deployed = now - 3600
    with history({"latency": lambda t: 0.9 if deployed < t < deployed + 600 else 0.1}) as url:
        spec = f"url: '{url}', query: latency, over: since_deploy, max: 0.5"
        result = run_one(project, spec)  # no deploy time: says how to give one
        result.stdout.fnmatch_lines(["*no deploy time: give deployed_at, set "
                                     "$DEPLOYCHECK_DEPLOYED_AT, or tag the release*"])
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(deployed))
        result = project.run_check(f"{{prometheus: {{{spec}}}}}",
                                   f"--deploycheck-deployed-at={stamp}")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["expected latency <= 0.5 over the window, got 0.9 at *",
                                     "*evidence*", f"window: {stamp} to *Z"])
