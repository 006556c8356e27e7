"""The prometheus check against real Prometheus and Alertmanager on loopback."""

from __future__ import annotations

from helpers.checks import fails, passes
from helpers.monitoring import Monitoring
from helpers.servers import LoopbackServer


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
