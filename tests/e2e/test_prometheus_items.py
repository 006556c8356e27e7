"""The prometheus check as items polling real Prometheus until data flows (its judgement
is in ``unit/test_check_prometheus.py``)."""

from __future__ import annotations

import pytest

from helpers.monitoring import Monitoring
from helpers.project import Project

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
