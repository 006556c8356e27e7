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

**Over a window, from history** — "the first 24 hours" checked the morning after, in
seconds, with range queries::

        query: 'histogram_quantile(0.99, sum by (le) (rate(latency_bucket[5m])))'
        over: 24h                 # or since_deploy: from the deploy until now
        max: 0.5                  # every sample of the window: the worst one decides

**Against a baseline** — "performance degradation > 50 %"::

        baseline: {offset: 7d}    # the same query a week ago (or: before_deploy)
        max_ratio: 1.5            # now at most 1.5 times the baseline …
        max_increase: 0.2         # … and at most 0.2 above it

Without ``over`` the value now is compared with the value at the baseline's time; with
``over``, the mean over the window with the mean over the same length of time at the
baseline. Series are matched by their labels; one without a baseline fails. The deploy
time (``since_deploy``, ``before_deploy``) is ``deployed_at`` (an ISO time or Unix
seconds, e.g. ``"${deployed_at}"``), else ``--deploycheck-deployed-at`` or
``$DEPLOYCHECK_DEPLOYED_AT``, else the time of
the release's git tag (``1.4.0`` or ``v1.4.0``) in the project. Evidence adds ``window``,
``worst``, ``worst at``, ``baseline``, ``baseline at``, ``ratio``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

import requests
from pydantic import Field
from pydantic_core import PydanticCustomError

from .. import spawn
from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Duration, format_duration
from ._net import request_failure, session_until


@dataclass(frozen=True)
class Baseline:
    offset: Duration


@dataclass(frozen=True)
class Prometheus:
    url: str
    query: str | None = None
    min: float | None = None
    max: float | None = None
    equals: float | None = None
    over: Duration | Literal["since_deploy"] | None = None
    baseline: Baseline | Literal["before_deploy"] | None = None
    max_ratio: Annotated[float, Field(gt=0)] | None = None
    max_increase: float | None = None
    deployed_at: str | None = None
    rules: list[str] = field(default_factory=list)
    targets_up: bool = False
    alertmanager: str | None = None
    receivers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if (self.min is not None or self.max is not None or self.equals is not None
                or self.over is not None or self.baseline is not None) and self.query is None:
            raise PydanticCustomError("deploycheck_invalid", "min, max, equals, over and "
                                      "baseline need a query")
        if (self.baseline is None) != (self.max_ratio is None and self.max_increase is None):
            raise PydanticCustomError("deploycheck_invalid", "a baseline goes with max_ratio "
                                      "or max_increase (what to compare), and they with it")
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


Series = list[tuple[str, list[tuple[float, float]]]]  # labels, (time, value) samples
DEPLOYED_ENV = "DEPLOYCHECK_DEPLOYED_AT"
MAX_POINTS = 600  # samples a range query asks per series


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fetch(spec: Prometheus, ctx: CheckContext, at: float,
           window: tuple[float, float] | None) -> Series:
    """The query's series at ``at``, or over ``window`` (start, end) with a range query."""
    assert spec.query is not None
    base = spec.url.rstrip("/")
    if window is None:
        data = _get(f"{base}/api/v1/query", ctx, query=spec.query, time=f"{at:.3f}").get(
            "data", {})
    else:
        start, end = window
        step = max(1, math.ceil((end - start) / MAX_POINTS))
        data = _get(f"{base}/api/v1/query_range", ctx, query=spec.query, start=f"{start:.3f}",
                    end=f"{end:.3f}", step=str(step)).get("data", {})
    results = data.get("result")
    if data.get("resultType") == "scalar":
        return [("", [(float(results[0]), float(results[1]))])]
    if not isinstance(results, list):
        raise CheckFailed(f"unexpected answer to {spec.query!r}: {str(data)[:80]}")
    return [(_labels(r.get("metric", {})),
             [(float(t), float(v)) for t, v in ([r["value"]] if "value" in r else
                                                r.get("values", []))])
            for r in results if "value" in r or r.get("values")]


def _deployed(spec: Prometheus, ctx: CheckContext) -> float:
    """When the release was deployed: ``deployed_at``, ``$DEPLOYCHECK_DEPLOYED_AT``, or the
    time of the release's git tag."""
    text = spec.deployed_at or ctx.deployed_at or ctx.environ.get(DEPLOYED_ENV)
    if text:
        try:
            return float(text) if text.replace(".", "", 1).isdigit() else datetime.fromisoformat(
                text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise CheckFailed(f"the deploy time {text!r} is not a time like "
                              "2026-12-01T10:00:00Z (or Unix seconds)") from None
    release = ctx.release
    for tag in ([release, f"v{release}"] if release else []):
        done = spawn.run(["git", "log", "-1", "--format=%ct", f"refs/tags/{tag}", "--"],
                         timeout=ctx.remaining(), environ=ctx.environ, cwd=ctx.rootdir,
                         capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip().isdigit():
            return float(done.stdout.strip())
    raise CheckFailed(f"no deploy time: give deployed_at, set ${DEPLOYED_ENV}, or tag the "
                      f"release ({release or 'not set'}) in the project's git repository")


def _query(spec: Prometheus, ctx: CheckContext) -> None:
    now = time.time()
    window = None
    if spec.over is not None:
        start = _deployed(spec, ctx) if spec.over == "since_deploy" else now - float(spec.over)
        window = (min(start, now - 1), now)
        ctx.record(window=f"{_stamp(window[0])} to {_stamp(now)}")
    series = _fetch(spec, ctx, now, window)
    if not series:
        raise CheckFailed(f"{spec.query!r} returned no series"
                          + (" in the window" if window else "") + " (is the data flowing?)")
    first = series[0][1]
    if window is None:
        value = first[-1][1]
        ctx.record(value=str(value) if math.isnan(value) else value, series=len(series))
    else:
        ctx.record(samples=sum(len(samples) for _, samples in series), series=len(series))
    failed: CheckFailed | None = None
    try:
        for labels, samples in series:  # every series: one of them down must not pass unseen
            _bounds(spec, labels, samples, len(series) > 1, window is not None, ctx)
    except CheckFailed as exc:
        failed = exc
    if spec.baseline is not None:  # compared all the same: both values in the evidence
        try:
            _compare(spec, ctx, series, now, window, named=failed is None)
        except CheckFailed as exc:
            failed = CheckFailed(f"{failed.message}; and {exc.message}") if failed else exc
    if failed is not None:
        raise failed


def _bounds(spec: Prometheus, labels: str, samples: list[tuple[float, float]], several: bool,
            ranged: bool, ctx: CheckContext) -> None:
    where = f"{spec.query}{labels}" if several else spec.query
    over = " over the window" if ranged else ""
    for moment, value in samples:
        if math.isnan(value):  # NaN compares false with everything: min and max unseen
            raise CheckFailed(f"{where!r} is NaN, not a number to compare (no samples in "
                              "its range yet, or a division by zero?)"
                              + (f" at {_stamp(moment)}" if ranged else ""))
        if spec.equals is not None and value != spec.equals:
            at = f" at {_stamp(moment)}" if ranged else ""
            raise CheckFailed(f"expected {where} == {spec.equals:g}{over}, got {value:g}{at}")
    high = max(samples, key=lambda s: s[1])
    low = min(samples, key=lambda s: s[1])
    if ranged and (spec.max is not None or spec.min is not None):
        worst = high if spec.max is not None else low
        ctx.record(worst=worst[1], **{"worst at": _stamp(worst[0])})
    for bound, (moment, value), sign in ((spec.min, low, ">="), (spec.max, high, "<=")):
        if bound is not None and (value < bound if sign == ">=" else value > bound):
            at = f" at {_stamp(moment)}" if ranged else ""
            raise CheckFailed(f"expected {where} {sign} {bound:g}{over}, got {value:g}{at}")


def _compare(spec: Prometheus, ctx: CheckContext, series: Series, now: float,
             window: tuple[float, float] | None, *, named: bool = True) -> None:
    """The value now (the window's mean) against the baseline's (the same span then);
    ``named``: the message names the query (not when it follows one that did)."""
    end = now - float(spec.baseline.offset) if isinstance(spec.baseline, Baseline) else (
        _deployed(spec, ctx))
    span = (end - (window[1] - window[0]), end) if window is not None else None
    then = dict(_fetch(spec, ctx, end, span))
    ctx.record(**{"baseline at": _stamp(end)})
    for labels, samples in series:
        where = f"{spec.query}{labels}" if len(series) > 1 else spec.query
        subject = f"{where} " if named else ("" if len(series) == 1 else f"{labels} ")
        before = then.get(labels)
        if not before:
            raise CheckFailed(f"no baseline for {where!r} at {_stamp(end)} (no data then)")
        current = sum(v for _, v in samples) / len(samples)
        base = sum(v for _, v in before) / len(before)
        ratio = current / base if base else (math.inf if current > 0 else 1.0)
        ctx.record(value=round(current, 6), baseline=round(base, 6),
                   ratio=round(ratio, 3) if math.isfinite(ratio) else "infinite")
        if spec.max_ratio is not None and ratio > spec.max_ratio:
            raise CheckFailed(f"expected {subject}at most {spec.max_ratio:g} times its "
                              f"baseline, got {current:g} against {base:g} at {_stamp(end)} "
                              f"(ratio {ratio:.2f})")
        if spec.max_increase is not None and current - base > spec.max_increase:
            raise CheckFailed(f"expected {subject}at most {spec.max_increase:g} above its "
                              f"baseline, got {current:g} against {base:g} at {_stamp(end)} "
                              f"(+{current - base:g})")


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
