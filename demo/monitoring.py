"""The demo's monitoring: a real Prometheus (scraping demo-trader over HTTPS, with the
alert rules of ``demo/monitoring/alerts.yml``, remembering the previous release's last
hours: :mod:`demo.history`) and a real Alertmanager, from the Debian packages
``prometheus`` and ``prometheus-alertmanager``.

Where they are not installed, one small server stands at both addresses and answers every
request with a Prometheus API error saying how to install them, so the monitoring items
fail with that reason instead of "connection refused".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import requests

from . import history
from .service import Server

RULES = Path(__file__).resolve().parent / "monitoring" / "alerts.yml"
WATCH_ENV = "DEPLOYCHECK_WATCH_ADDRESS"  # set by deploycheck watch
INSTALL = "apt-get install prometheus prometheus-alertmanager"
READY_TIMEOUT = 30.0


class Missing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"status": "error", "errorType": "unavailable",
                           "error": f"the demo's Prometheus and Alertmanager are not "
                                    f"installed on this machine ({INSTALL})"}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Monitoring:
    """Prometheus and Alertmanager for the demo, or the stand-in that explains their
    absence. ``prometheus_url`` and ``alertmanager_url`` are where the checks look."""

    def __init__(self, base: Path, ca_file: Path, targets: dict[str, int], ports: list[int],
                 started: float, spike: bool = False) -> None:
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stand_in: Server | None = None
        self.installed = all(shutil.which(b) for b in ("prometheus", "prometheus-alertmanager"))
        if not self.installed:
            self.stand_in = Server(Missing).start()
            self.prometheus_url = self.alertmanager_url = f"http://127.0.0.1:{self.stand_in.port}"
            return
        prom_port, am_port = ports
        self.prometheus_url = f"http://127.0.0.1:{prom_port}"
        self.alertmanager_url = f"http://127.0.0.1:{am_port}"
        jobs = "".join(f"""
  - job_name: {job}
    scheme: https
    tls_config: {{ca_file: "{ca_file}"}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]""" for job, port in targets.items())
        watch = os.environ.get(WATCH_ENV)
        if watch:  # deploycheck watch serves its /metrics there: scraped like the rest
            jobs += f"""
  - job_name: deploycheck-watch
    static_configs: [{{targets: ["{watch}"]}}]"""
        (base / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{RULES}"]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ["127.0.0.1:{am_port}"]}}]}}]
scrape_configs:
  - job_name: prometheus
    static_configs: [{{targets: ["127.0.0.1:{prom_port}"]}}]
  - job_name: alertmanager
    static_configs: [{{targets: ["127.0.0.1:{am_port}"]}}]{jobs}
""")
        (base / "alertmanager.yml").write_text(
            "route: {receiver: oncall, routes: [{receiver: trading-desk, "
            "matchers: ['severity=\"ticket\"']}]}\n"
            "receivers: [{name: oncall}, {name: trading-desk}]\n")
        history.backfill(base / "prometheus", started, spike)  # the hours before the start
        log = (base / "monitoring.log").open("ab")
        self.processes.append(("prometheus", subprocess.Popen(
            ["prometheus", f"--config.file={base / 'prometheus.yml'}",
             f"--storage.tsdb.path={base / 'prometheus'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"], stdout=log, stderr=log)))
        self.processes.append(("prometheus-alertmanager", subprocess.Popen(
            ["prometheus-alertmanager", f"--config.file={base / 'alertmanager.yml'}",
             f"--storage.path={base / 'alertmanager'}",
             f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="],
            stdout=log, stderr=log)))
        log.close()

    def wait_ready(self) -> None:
        """Until both answer. Prometheus scrapes its targets for the first time about 5 s
        after it starts (its scrape manager syncs targets every 5 s): the checks that
        need data poll, as they would right after a deploy."""
        if not self.installed:
            return
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = [self.prometheus_url, self.alertmanager_url]
        while waiting and time.monotonic() < deadline:
            for name, proc in self.processes:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}: see "
                                       "monitoring.log in the demo's directory")
            try:
                if requests.get(f"{waiting[0]}/-/ready", timeout=1).status_code == 200:
                    waiting.pop(0)
                    continue
            except requests.RequestException:
                pass
            time.sleep(0.05)
        if waiting:
            raise RuntimeError(f"{waiting[0]} was not ready within {READY_TIMEOUT:.0f} s")

    def stop(self) -> None:
        for _, proc in self.processes:
            proc.terminate()
        for _, proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.stand_in is not None:
            self.stand_in.stop()
