"""``prometheus``: monitoring is configured and data flows — a PromQL query, alert
rules loaded, scrape targets up, Alertmanager ready with its receivers.

.. code-block:: yaml

    check:
      prometheus:
        url: "http://prometheus:9090"           # required
        query: 'sum(up{job="api"})'             # optional PromQL instant query …
        min: 1                                  # … its value at least / at most / equal
        max: 10
        equals: 3
        rules: [HighErrorRate, InstanceDown]    # optional: alert rules that must be loaded
        targets_up: true                        # optional: every active target is up
        alertmanager: "http://alertmanager:9093"  # optional: ready, with receivers …
        receivers: [oncall]                     # … including these

A query that returns several series holds every one of them to ``min``, ``max`` and
``equals``; one that returns none fails. Give at least one thing to check. Evidence:
``value``, ``series``, ``rules``, ``targets``, ``receivers``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import requests
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import format_duration
from ._net import request_failure, session_until


@dataclass(frozen=True)
class Prometheus:
    url: str
    query: str | None = None
    min: float | None = None
    max: float | None = None
    equals: float | None = None
    rules: list[str] = field(default_factory=list)
    targets_up: bool = False
    alertmanager: str | None = None
    receivers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if (self.min is not None or self.max is not None or self.equals is not None) and (
                self.query is None):
            raise PydanticCustomError("deploycheck_invalid", "min, max and equals need a query")
        if self.receivers and self.alertmanager is None:
            raise PydanticCustomError("deploycheck_invalid", "receivers need alertmanager")
        if self.query is None and not self.rules and not self.targets_up and (
                self.alertmanager is None):
            raise PydanticCustomError("deploycheck_invalid", "give something to check: a "
                                      "query, rules, targets_up or alertmanager")


def _get(url: str, ctx: CheckContext, **params: str) -> Any:
    with session_until(ctx.deadline) as (session, cutoff):
        try:
            response = session.get(url, params=params, timeout=ctx.remaining())
            failure = None
        except requests.RequestException as exc:
            failure = request_failure(exc, ctx.timeout)
        if cutoff.fired:  # however the cut showed: an error, or a body cut short
            failure = f"no complete response after {format_duration(ctx.timeout)}"
    if failure is not None:
        raise CheckFailed(f"{url}: {failure}")
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        raise CheckFailed(f"{url}: expected JSON, got HTTP {response.status_code} "
                          f"{response.text[:80]!r}") from None
    if isinstance(body, dict) and body.get("status") == "error":
        raise CheckFailed(f"{url}: {body.get('errorType', 'error')}: {body.get('error', '')}")
    if response.status_code != 200:
        raise CheckFailed(f"{url}: HTTP {response.status_code}")
    return body


def _query(spec: Prometheus, ctx: CheckContext) -> None:
    assert spec.query is not None
    data = _get(f"{spec.url.rstrip('/')}/api/v1/query", ctx, query=spec.query).get("data", {})
    results = data.get("result")
    if data.get("resultType") == "scalar":
        series = [("", float(results[1]))]
    elif isinstance(results, list):
        series = [(_labels(r.get("metric", {})), float(r["value"][1]))
                  for r in results if "value" in r]
    else:
        raise CheckFailed(f"unexpected answer to {spec.query!r}: {str(data)[:80]}")
    if not series:
        raise CheckFailed(f"{spec.query!r} returned no series (is the data flowing?)")
    value = series[0][1]
    ctx.record(value=str(value) if math.isnan(value) else value, series=len(series))
    if spec.min is None and spec.max is None and spec.equals is None:
        return
    for labels, value in series:  # every series: one of them down must not pass unseen
        where = f"{spec.query}{labels}" if len(series) > 1 else spec.query
        if math.isnan(value):  # NaN compares false with everything: min and max unseen
            raise CheckFailed(f"{where!r} is NaN, not a number to compare (no samples in "
                              "its range yet, or a division by zero?)")
        if spec.equals is not None and value != spec.equals:
            raise CheckFailed(f"expected {where} == {spec.equals:g}, got {value:g}")
        if spec.min is not None and value < spec.min:
            raise CheckFailed(f"expected {where} >= {spec.min:g}, got {value:g}")
        if spec.max is not None and value > spec.max:
            raise CheckFailed(f"expected {where} <= {spec.max:g}, got {value:g}")


def _labels(metric: dict[str, str]) -> str:
    """``{instance="web-2", job="api"}`` (the name left out: the query says it)."""
    pairs = [f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__"]
    return "{" + ", ".join(pairs) + "}" if pairs else ""


@check_type("prometheus", read_only=True)
def run(spec: Prometheus, ctx: CheckContext) -> None:
    """PromQL value, alert rules loaded, targets up, Alertmanager receivers."""
    base = spec.url.rstrip("/")
    if spec.query is not None:
        _query(spec, ctx)
    if spec.rules:
        groups = _get(f"{base}/api/v1/rules", ctx, type="alert").get("data", {}).get("groups", [])
        loaded = {r.get("name") for g in groups for r in g.get("rules", [])}
        ctx.record(rules=len(loaded))
        missing = [r for r in spec.rules if r not in loaded]
        if missing:
            raise CheckFailed(f"alert rules not loaded: {', '.join(missing)} (loaded: "
                              f"{', '.join(sorted(n for n in loaded if n)) or 'none'})")
    if spec.targets_up:
        active = _get(f"{base}/api/v1/targets", ctx, state="active").get("data", {}).get(
            "activeTargets", [])
        down = [f"{t.get('labels', {}).get('job', '?')} {t.get('scrapeUrl', '')}: "
                f"{t.get('lastError') or t.get('health')}"
                for t in active if t.get("health") != "up"]
        ctx.record(targets=len(active))
        if not active:
            raise CheckFailed("no active scrape targets")
        if down:
            raise CheckFailed(f"{len(down)} of {len(active)} targets are not up (first: "
                              f"{down[0][:140]})")
    if spec.alertmanager is not None:
        manager = spec.alertmanager.rstrip("/")
        status = _get(f"{manager}/api/v2/status", ctx)
        if status.get("cluster", {}).get("status") not in (None, "ready", "settling", "disabled"):
            raise CheckFailed(f"Alertmanager cluster is {status['cluster']['status']}")
        names = [r.get("name") for r in _get(f"{manager}/api/v2/receivers", ctx)]
        ctx.record(receivers=", ".join(n for n in names if n))
        missing = [r for r in spec.receivers if r not in names]
        if missing:
            raise CheckFailed(f"Alertmanager has no receiver {', '.join(missing)} (it has "
                              f"{', '.join(n for n in names if n) or 'none'})")
