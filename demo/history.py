"""What the demo's Prometheus remembers: demo-trader's metrics from before the demo
started, written as OpenMetrics and backfilled into its storage by ``promtool tsdb
create-blocks-from openmetrics`` before it starts — so that ``over: since_deploy`` and
``baseline: before_deploy`` have a past to look at.

The previous release ran for six hours before the deploy, with a p99 latency of about
0.2 s; this release went out ten minutes before the demo started (:data:`DEPLOYED_BEFORE`)
and answers faster (p99 about 0.05 s). Both have 0.2 % errors and 3 % of orders rejected.
With a spike (``DEPLOYCHECK_DEMO_SPIKE=latency``), this release answered in 0.5 to 1 s for
three minutes, from three minutes after its deploy: "the first 24 hours" fail the morning
after, naming when.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .service import BUCKETS

PREVIOUS_HOURS = 6
DEPLOYED_BEFORE = 600.0  # seconds between this release's deploy and the demo's start
STEP = 15  # seconds between samples, as a scrape interval would give
TIMEOUT = 60.0
RATE = 4.0  # requests a second
# the share of requests at or below each bucket's bound
PREVIOUS = (0.30, 0.70, 0.90, 0.95, 0.975, 0.995, 1.0, 1.0)  # p99 ≈ 0.2 s
CURRENT = (0.40, 0.80, 0.95, 0.995, 1.0, 1.0, 1.0, 1.0)  # p99 ≈ 0.05 s
SPIKE = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 1.0)  # p99 ≈ 1 s
SPIKE_FROM, SPIKE_TO = 180.0, 360.0  # seconds after the deploy


def _release(labels: str, moments: list[float], shares: list[tuple[float, ...]],
             memory: float) -> dict[str, list[str]]:
    """Each family's sample lines of one release (its own ``instance``): counters from 0."""
    lines: dict[str, list[str]] = {"http_requests": [], "http_request_duration_seconds": [],
                                   "trading_orders": [], "process_resident_memory_bytes": []}
    buckets = [0.0] * len(BUCKETS)
    count = total = 0.0
    for n, (t, share) in enumerate(zip(moments, shares, strict=True)):
        new = RATE * STEP if n else 0.0
        count += new
        buckets = [b + new * s for b, s in zip(buckets, share, strict=True)]
        total += new * (0.9 if share is SPIKE else 0.03)
        at = f"{t:.0f}"
        lines["http_request_duration_seconds"] += [
            *(f'http_request_duration_seconds_bucket{{{labels},le="{bound}"}} {b:.3f} {at}'
              for bound, b in zip(BUCKETS, buckets, strict=True)),
            f'http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count:.3f} {at}',
            f"http_request_duration_seconds_count{{{labels}}} {count:.3f} {at}",
            f"http_request_duration_seconds_sum{{{labels}}} {total:.3f} {at}"]
        lines["process_resident_memory_bytes"].append(
            f"process_resident_memory_bytes{{{labels}}} {memory:.0f} {at}")
    elapsed = [(t - moments[0]) for t in moments]
    for code, part in (("200", 0.998), ("500", 0.002)):
        lines["http_requests"] += [
            f'http_requests_total{{{labels},route="/api/market/quote",code="{code}"}} '
            f"{s * RATE * part:.3f} {t:.0f}" for s, t in zip(elapsed, moments, strict=True)]
    for status, part in (("filled", 0.97), ("rejected", 0.03)):
        lines["trading_orders"] += [f'trading_orders_total{{{labels},status="{status}"}} '
                                    f"{s * part:.3f} {t:.0f}"
                                    for s, t in zip(elapsed, moments, strict=True)]
    return lines


def openmetrics(started: float, spike: bool = False, job: str = "trading-api") -> str:
    """Both releases' series up to ``started`` (Unix seconds), every STEP seconds."""
    deployed = started - DEPLOYED_BEFORE
    before = [float(t) for t in range(int(deployed) - PREVIOUS_HOURS * 3600, int(deployed),
                                      STEP)]
    since = [float(t) for t in range(int(deployed), int(started) - STEP, STEP)]
    previous = _release(f'job="{job}",instance="previous-release"', before,
                        [PREVIOUS] * len(before), 120e6)
    current = _release(f'job="{job}",instance="this-release"', since,
                       [SPIKE if spike and SPIKE_FROM <= t - deployed < SPIKE_TO else CURRENT
                        for t in since], 80e6)
    types = {"http_requests": "counter", "http_request_duration_seconds": "histogram",
             "trading_orders": "counter", "process_resident_memory_bytes": "gauge"}
    lines = []
    for family, kind in types.items():
        lines += [f"# TYPE {family} {kind}", *previous[family], *current[family]]
    return "\n".join([*lines, "# EOF"]) + "\n"


def backfill(storage: Path, started: float, spike: bool = False) -> None:
    """Write the history into ``storage`` (Prometheus's data directory, before it starts)."""
    source = storage.parent / "history.om"
    source.write_text(openmetrics(started, spike))
    done = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q",
                           str(source), str(storage)], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"promtool could not backfill the demo's history: "
                           f"{(done.stderr or done.stdout).strip()[:300]}")
