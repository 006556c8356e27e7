"""The prometheus check against real Prometheus and Alertmanager on loopback (Debian
packages `prometheus` and `prometheus-alertmanager`, installed by .ci/run)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import IN_CI, Project
from servers import LoopbackServer

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


@pytest.fixture(scope="module")
def monitoring() -> Iterator[tuple[str, str]]:
    if shutil.which("prometheus") is None or shutil.which("prometheus-alertmanager") is None:
        reason = "Prometheus/Alertmanager are not installed (apt-get install prometheus " \
                 "prometheus-alertmanager)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="deploycheck-prom-"))
    prom_port, am_port = free_port(), free_port()
    (base / "rules.yml").write_text(RULES)
    (base / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{base / 'rules.yml'}]
scrape_configs:
  - job_name: prometheus
    static_configs: [{{targets: ["127.0.0.1:{prom_port}"]}}]
  - job_name: nothing
    static_configs: [{{targets: ["127.0.0.1:{free_port()}"]}}]
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
        raise
    deadline = time.monotonic() + 30  # wait until both targets have been scraped once
    while time.monotonic() < deadline:
        targets = requests.get(f"http://127.0.0.1:{prom_port}/api/v1/targets", timeout=5
                               ).json()["data"]["activeTargets"]
        if sorted(t["health"] for t in targets) == ["down", "up"]:
            break
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{prom_port}", f"http://127.0.0.1:{am_port}"
    finally:
        for proc in (prom, am):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def run_one(project: Project, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{prometheus: {{{spec}}}}}", extra=extra)


POLL = "retry: {timeout: 15s, interval: 500ms}"


def test_a_query_on_flowing_data_passes(project: Project, monitoring: tuple[str, str]) -> None:
    prom, _ = monitoring
    result = run_one(project, f"url: '{prom}', query: 'up{{job=\"prometheus\"}}', equals: 1",
                     extra=POLL)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["value: 1.0", "series: 1"])


def test_a_value_out_of_bounds_fails_with_expected_and_found(
    project: Project, monitoring: tuple[str, str]
) -> None:
    prom, _ = monitoring
    result = run_one(project, f"url: '{prom}', query: 'vector(3)', max: 2")
    result.stdout.fnmatch_lines(["expected vector(3) <= 2, got 3"])


def test_a_nan_value_fails_instead_of_slipping_past_the_bounds(
    project: Project, monitoring: tuple[str, str]
) -> None:
    prom, _ = monitoring
    result = run_one(project, f"url: '{prom}', query: 'vector(0) / 0', max: 0.01")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["'vector(0) / 0' is NaN, not a number to compare (no samples "
                                 "in its range yet, or a division by zero?)"])


def test_bad_promql_fails_with_prometheus_words(
    project: Project, monitoring: tuple[str, str]
) -> None:
    prom, _ = monitoring
    result = run_one(project, f"url: '{prom}', query: 'sum(('")
    result.stdout.fnmatch_lines(["*/api/v1/query: bad_data: *"])


def test_alert_rules_must_be_loaded(project: Project, monitoring: tuple[str, str]) -> None:
    prom, _ = monitoring
    run_one(project, f"url: '{prom}', rules: [InstanceDown, HighErrorRate]"
            ).assert_outcomes(passed=1)
    result = run_one(project, f"url: '{prom}', rules: [DiskFull]")
    result.stdout.fnmatch_lines(["alert rules not loaded: DiskFull (loaded: HighErrorRate, "
                                 "InstanceDown)"])


def test_a_target_that_is_down_fails_naming_it(
    project: Project, monitoring: tuple[str, str]
) -> None:
    prom, _ = monitoring
    result = run_one(project, f"url: '{prom}', targets_up: true")
    result.stdout.fnmatch_lines(["1 of 2 targets are not up (first: nothing http://127.0.0.1:*"])


def test_alertmanager_is_ready_with_its_receivers(
    project: Project, monitoring: tuple[str, str]
) -> None:
    prom, am = monitoring
    result = run_one(project, f"url: '{prom}', alertmanager: '{am}', receivers: [oncall]")
    result.assert_outcomes(passed=1)
    result = run_one(project, f"url: '{prom}', alertmanager: '{am}', receivers: [pager]")
    result.stdout.fnmatch_lines(["Alertmanager has no receiver pager (it has oncall, "
                                 "business-hours)"])


def test_malformed_json_fails_with_a_one_line_reason(
    project: Project, http_server: LoopbackServer
) -> None:
    result = run_one(project, f"url: '{http_server.url}/badjson', query: up")
    result.stdout.fnmatch_lines(["*/badjson/api/v1/query: expected JSON, got HTTP 200 "
                                 "'{not json'"])
