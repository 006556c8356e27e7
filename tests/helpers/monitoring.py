"""Real Prometheus and Alertmanager on loopback for the tests (Debian packages
``prometheus`` and ``prometheus-alertmanager``, installed by .ci/run)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

INSTALL = "apt-get install prometheus prometheus-alertmanager"

RULES = """
groups:
  - name: api
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 1m
      - alert: HighErrorRate
        expr: vector(0) > 1
"""




def installed() -> bool:
    return shutil.which("prometheus") is not None and shutil.which(
        "prometheus-alertmanager") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start(args: list[str], ready: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[0]} exited with {proc.returncode}")
        try:
            if requests.get(ready, timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{args[0]} was not ready within 30 s")


@dataclass(frozen=True)
class Monitoring:
    prometheus: str  # http://127.0.0.1:PORT
    alertmanager: str

    def wait_for_scrapes(self) -> None:
        """Until both targets have been scraped once (≈ 5 s after the start: Prometheus's
        scrape manager syncs every 5 s): one up, one down."""
        deadline = time.monotonic() + 30
        health: list[str] = []
        while time.monotonic() < deadline:
            targets = requests.get(f"{self.prometheus}/api/v1/targets", timeout=5
                                   ).json()["data"]["activeTargets"]
            health = sorted(t["health"] for t in targets)
            if health == ["down", "up"]:
                return
            time.sleep(0.2)
        raise AssertionError(f"Prometheus's targets are {health} after 30 s, not down and up")


@contextmanager
def monitoring() -> Iterator[Monitoring]:
    """Prometheus (scraping itself and a port nothing listens on, with RULES) and
    Alertmanager (receivers oncall and business-hours), ready to answer."""
    base = Path(tempfile.mkdtemp(prefix="deploycheck-prom-"))
    prom_port, am_port = free_port(), free_port()
    # the target that must stay down: bound, never listening, so that it refuses every
    # scrape and no other server (another xdist worker's Prometheus) can take its port
    nothing = socket.socket()
    nothing.bind(("127.0.0.1", 0))
    (base / "rules.yml").write_text(RULES)
    (base / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{base / 'rules.yml'}]
scrape_configs:
  - job_name: prometheus
    static_configs: [{{targets: ["127.0.0.1:{prom_port}"]}}]
  - job_name: nothing
    static_configs: [{{targets: ["127.0.0.1:{nothing.getsockname()[1]}"]}}]
""")
    (base / "alertmanager.yml").write_text(
        "route: {receiver: oncall}\nreceivers: [{name: oncall}, {name: business-hours}]\n")
    prom = start(["prometheus", f"--config.file={base / 'prometheus.yml'}",
                  f"--storage.tsdb.path={base / 'data'}",
                  f"--web.listen-address=127.0.0.1:{prom_port}"],
                 f"http://127.0.0.1:{prom_port}/-/ready")
    try:
        am = start(["prometheus-alertmanager", f"--config.file={base / 'alertmanager.yml'}",
                    f"--storage.path={base / 'am'}", f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address="], f"http://127.0.0.1:{am_port}/-/ready")
    except RuntimeError:
        prom.kill()
        nothing.close()
        raise
    try:
        yield Monitoring(f"http://127.0.0.1:{prom_port}", f"http://127.0.0.1:{am_port}")
    finally:
        for proc in (prom, am):
            proc.terminate()
            proc.wait(timeout=10)
        nothing.close()
        shutil.rmtree(base, ignore_errors=True)


# What the history Prometheus holds: a gauge per name, its value at a moment (Unix seconds)
HISTORY_STEP = 300  # seconds between samples; the last ten minutes every 30 s


def history_text(now: float, series: Mapping[str, Callable[[float], float]]) -> str:
    """OpenMetrics text of each gauge of ``series`` (name → function of time) over the
    last day and around a week ago: what a real Prometheus would have scraped."""
    moments = sorted({*range(int(now) - 8 * 86400, int(now) - 6 * 86400, HISTORY_STEP),
                      *range(int(now) - 86400 - 3600, int(now) - 600, HISTORY_STEP),
                      *range(int(now) - 600, int(now) + 1, 30)})
    lines = []
    for name, value in series.items():
        lines.append(f"# TYPE {name} gauge")
        lines += [f'{name}{{job="api"}} {value(t)} {t}' for t in moments]
    return "\n".join([*lines, "# EOF"]) + "\n"


@contextmanager
def history(series: Mapping[str, Callable[[float], float]]) -> Iterator[str]:
    """A real Prometheus whose storage holds ``series`` over the past days (backfilled by
    ``promtool tsdb create-blocks-from openmetrics``); its URL."""
    base = Path(tempfile.mkdtemp(prefix="deploycheck-history-"))
    (base / "metrics.om").write_text(history_text(time.time(), series))
    done = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q",
                           str(base / "metrics.om"), str(base / "data")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (base / "prometheus.yml").write_text("global: {scrape_interval: 15s}\nscrape_configs: []\n")
    port = free_port()
    proc = start(["prometheus", f"--config.file={base / 'prometheus.yml'}",
                  f"--storage.tsdb.path={base / 'data'}", "--storage.tsdb.retention.time=30d",
                  f"--web.listen-address=127.0.0.1:{port}"], f"http://127.0.0.1:{port}/-/ready")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def scraper() -> Iterator[tuple[str, Path]]:
    """A real Prometheus that scrapes, every second, the targets (job ``watch``) written
    to the file it yields with its URL — ``[{"targets": ["127.0.0.1:PORT"]}]`` — once
    its discovery notices the file (within about 5 s)."""
    base = Path(tempfile.mkdtemp(prefix="deploycheck-scraper-"))
    targets = base / "targets.json"
    targets.write_text("[]")
    (base / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s}}
scrape_configs:
  - job_name: watch
    file_sd_configs: [{{files: ["{targets}"], refresh_interval: 1s}}]
""")
    port = free_port()
    proc = start(["prometheus", f"--config.file={base / 'prometheus.yml'}",
                  f"--storage.tsdb.path={base / 'data'}",
                  f"--web.listen-address=127.0.0.1:{port}"], f"http://127.0.0.1:{port}/-/ready")
    try:
        yield f"http://127.0.0.1:{port}", targets
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
