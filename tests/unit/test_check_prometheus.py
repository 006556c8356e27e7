"""The prometheus check against real Prometheus and Alertmanager on loopback."""

from __future__ import annotations

import pytest

from helpers.checks import fails, passes
from helpers.monitoring import Monitoring
from helpers.servers import LoopbackServer
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.testing import run_check


def test_a_value_out_of_bounds_fails_with_expected_and_found(monitoring: Monitoring) -> None:
    passes("prometheus", {"url": monitoring.prometheus, "query": "vector(3)", "max": 3})
    fails("prometheus", {"url": monitoring.prometheus, "query": "vector(3)", "max": 2},
          "expected vector(3) <= 2, got 3")


def test_a_nan_value_fails_instead_of_slipping_past_the_bounds(monitoring: Monitoring) -> None:
    fails("prometheus", {"url": monitoring.prometheus, "query": "vector(0) / 0", "max": 0.01},
          "'vector(0) / 0' is NaN, not a number to compare (no samples in its range yet, or a "
          "division by zero?)")


def test_bad_promql_fails_with_prometheus_words(monitoring: Monitoring) -> None:
    fails("prometheus", {"url": monitoring.prometheus, "query": "sum(("},
          "*/api/v1/query: bad_data: *")


def test_alert_rules_must_be_loaded(monitoring: Monitoring) -> None:
    passes("prometheus", {"url": monitoring.prometheus,
                          "rules": ["InstanceDown", "HighErrorRate"]})
    fails("prometheus", {"url": monitoring.prometheus, "rules": ["DiskFull"]},
          "alert rules not loaded: DiskFull (loaded: HighErrorRate, InstanceDown)")


def test_alertmanager_is_ready_with_its_receivers(monitoring: Monitoring) -> None:
    passes("prometheus", {"url": monitoring.prometheus, "alertmanager": monitoring.alertmanager,
                          "receivers": ["oncall"]})
    fails("prometheus", {"url": monitoring.prometheus, "alertmanager": monitoring.alertmanager,
                         "receivers": ["pager"]},
          "Alertmanager has no receiver pager (it has oncall, business-hours)")


def test_malformed_json_fails_with_a_one_line_reason(http_server: LoopbackServer) -> None:
    fails("prometheus", {"url": f"{http_server.url}/badjson", "query": "up"},
          "*/badjson/api/v1/query: expected JSON, got HTTP 200 '{not json'")


def test_every_series_is_held_to_the_bounds(monitoring: Monitoring) -> None:
    query = 'label_replace(vector(1), "instance", "web-1", "", "") or ' \
            'label_replace(vector(0), "instance", "web-2", "", "")'
    fails("prometheus", {"url": monitoring.prometheus, "query": query, "min": 1},
          f'expected {query}{{instance="web-2"}} >= 1, got 0')


def test_a_query_without_series_fails(monitoring: Monitoring) -> None:
    fails("prometheus", {"url": monitoring.prometheus, "query": "up{job='nope'}"},
          "\"up{job='nope'}\" returned no series (is the data flowing?)")


def test_nothing_to_check_is_a_mistake() -> None:
    with pytest.raises(ChecklistError, match="give something to check: a query, rules, "
                                             "targets_up or alertmanager"):
        run_check("prometheus", {"url": "http://127.0.0.1:1"})
