"""``deploycheck watch`` as a user runs it: a selection watched every second, /healthz
and /metrics scraped by a real Prometheus, a service that goes down, --on-breach, SIGTERM,
and the run's reports at the end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from helpers.monitoring import installed, scraper
from helpers.project import IN_CI, Project, checklist_of
from helpers.servers import LoopbackServer

CANARY = "Cn@ry-e2e-w4tch"


class Watching:
    """A ``deploycheck watch`` process, its output read as it comes."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_deploycheck", "watch", *args], cwd=cwd,
            env={**os.environ, "WATCH_TOKEN": CANARY}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def address(self) -> str:
        def said() -> list[str]:
            return re.findall(r"serving http://([\d.:]+)/healthz", self.output)

        until(said, self)
        return said()[0]

    def end(self, within: float = 30) -> int:
        code = self.proc.wait(within)
        self._reader.join(5)
        return code


@contextmanager
def watching(cwd: Path, *args: str) -> Iterator[Watching]:
    found = Watching(cwd, *args)
    try:
        yield found
    finally:
        if found.proc.poll() is None:
            found.proc.kill()
            found.proc.wait(10)


def until(condition: Callable[[], object], watch: Watching, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert watch.proc.poll() is None or condition(), (
            f"the watch ended ({watch.proc.returncode}) first:\n{watch.output}")
        assert time.monotonic() < deadline, f"not within {within} s:\n{watch.output}"
        time.sleep(0.05)


def health(address: str) -> tuple[int, dict[str, object]]:
    answer = requests.get(f"http://{address}/healthz", timeout=5)
    return answer.status_code, answer.json()


def items(server: LoopbackServer, key: str) -> str:
    return checklist_of(
        f'{{id: web, title: The web answers, check: {{http: {{url: "{server.url}/breaks/{key}/4", '
        'headers: {Authorization: "Bearer ${env:WATCH_TOKEN}"}}}}',
        f'{{id: api, title: The API answers, check: {{http: {{url: "{server.url}/ok"}}}}}}',
        "{id: signed, title: Ops signed off, attest: {roles: [ops]}}",
        phase="postdeploy")


@pytest.fixture(scope="module")
def prometheus() -> Iterator[tuple[str, Path]]:
    if not installed():
        reason = "Prometheus is not installed (apt-get install prometheus)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with scraper() as found:
        yield found


def query(prometheus: str, expression: str) -> list[dict[str, object]]:
    answer = requests.get(f"{prometheus}/api/v1/query", params={"query": expression},
                          timeout=5).json()
    assert answer["status"] == "success", answer
    found: list[dict[str, object]] = answer["data"]["result"]
    return found


def test_a_watch_serves_health_and_metrics_breaches_once_and_exits_non_zero(
    project: Project, http_server: LoopbackServer, prometheus: tuple[str, Path]
) -> None:
    project.config("project: shop\nroles: {ops: [ops@example.com]}\n")
    project.write("checks/allowed_signers", "")
    project.checklist(items(http_server, uuid.uuid4().hex))
    breach = project.path / "breach.log"
    url, targets = prometheus
    with watching(project.path, "-m", "postdeploy", "--every", "1s", "--for", "10s",
                  "--port", "0", "--on-breach", f'echo "$DEPLOYCHECK_BREACH" >> {breach}',
                  "--deploycheck-json", "run.json") as watch:
        address = watch.address()
        targets.write_text(json.dumps([{"targets": [address]}]))
        until(lambda: health(address)[0] == 200, watch)
        assert health(address)[1]["status"] == "holding"
        # a real Prometheus scrapes /metrics (once its discovery saw the target)
        until(lambda: query(url, 'deploycheck_item_up{item="api"} == 1'), watch, within=15)
        assert query(url, 'up{job="watch"}')[0]["value"][1] == "1"  # type: ignore[index]
        # the service goes down four seconds after the first request
        until(lambda: health(address)[0] == 503, watch)
        failing = health(address)[1]["failing"]
        assert [(f["item"], f["status"]) for f in failing] == [  # type: ignore[attr-defined]
            ("web", "failed")]
        until(lambda: query(url, 'deploycheck_item_up{item="web"} == 0'), watch, within=10)
        metrics = requests.get(f"http://{address}/metrics", timeout=5).text
        health_text = requests.get(f"http://{address}/healthz", timeout=5).text
        code = watch.end()
    assert code == 1, watch.output
    assert breach.read_text() == "app::web\n"  # once, though it failed round after round
    output = watch.output
    assert "deploycheck watch: 2 items every 1.0 s for 10.0 s; serving http://" in output
    assert "1 manual item left out of the rounds (a sign-off is no probe)" in output
    assert re.search(r"round \d+ at \d\d:\d\d:\d\d UTC: 1 of 2 watched items failing "
                     r"\(breach\):\n  app::web: expected status 200, got 500", output), output
    assert re.search(r"deploycheck watch: \d+ rounds in 1\d\.\d s \(the window ended\); "
                     r"breached in round \d+: 1 of 2 items failed in \d+ rounds", output), output
    # the run's reports give each item's outcome over the whole watch
    assert re.search(r"\nfailed in round \d+ at \d\d:\d\d:\d\d UTC: expected status 200, got "
                     r"500 Internal Server Error\n", output), output
    assert re.search(r"\nwatch: failed in \d+ of 10 rounds, every 1.0 s; failing in the latest",
                     output), output
    assert "postdeploy: 1/3 passed — BLOCKED: 1 failed, 1 awaiting sign-off" in output
    records = {i["id"]: i for i in json.loads((project.path / "run.json").read_text())["items"]}
    assert records["api"]["outcome"] == "passed"
    assert records["web"]["evidence"]["watch"].startswith("failed in ")
    for text in (metrics, health_text, output, (project.path / "run.json").read_text()):
        assert CANARY not in text


def test_sigterm_ends_a_watch_cleanly(project: Project, http_server: LoopbackServer) -> None:
    project.checklist(checklist_of(
        f'{{id: api, title: The API answers, check: {{http: {{url: "{http_server.url}/ok"}}}}}}',
        phase="postdeploy"))
    with watching(project.path, "--every", "200ms") as watch:
        address = watch.address()
        until(lambda: health(address)[1].get("rounds", 0) >= 2, watch)  # type: ignore[operator]
        started = time.monotonic()
        watch.proc.send_signal(signal.SIGTERM)
        code = watch.end()
    assert time.monotonic() - started < 5
    assert code == 0, watch.output
    assert re.search(r"deploycheck watch: \d+ rounds in [\d.]+ m?s \(stopped by SIGTERM\); "
                     "every watched item held", watch.output), watch.output
    assert "1 passed" in watch.output


def test_stop_on_breach_ends_the_watch_after_its_command(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(checklist_of(
        f'{{id: down, title: Down, check: {{http: {{url: "{http_server.url}/status/503"}}}}}}',
        phase="postdeploy"))
    with watching(project.path, "--every", "1s", "--on-breach", "echo rolling back; exit 3",
                  "--stop-on-breach") as watch:
        code = watch.end()
    assert code == 1
    assert "rolling back" in watch.output
    assert "deploycheck watch: --on-breach exited 3 after" in watch.output
    assert re.search(r"1 round in [\d.]+ m?s \(--stop-on-breach\); breached in round 1: "
                     r"1 of 1 item failed in 1 round\n",
                     watch.output), watch.output


def test_a_watch_that_cannot_start_says_why(project: Project) -> None:
    project.checklist("checklist: app\ntitle: App\nsections: [{id: s, title: S, items: "
                      "[{id: x, title: X, check: {nope: {}}}]}]\n")
    with watching(project.path) as watch:
        code = watch.end()
    assert code == 2, watch.output  # a collection error: nothing was watched
    assert "serving" not in watch.output
    assert "unknown check type 'nope'" in watch.output
    with socket_taken() as port, watching(project.path, "--port", str(port)) as watch:
        code = watch.end()
    assert code == 2
    assert f"deploycheck watch: cannot serve on 127.0.0.1:{port}: Address already in use" \
        in watch.output
    with watching(project.path, "--every", "10ms") as watch:
        code = watch.end()
    assert code == 2
    assert "argument --every: '10ms': at least 0.1s" in watch.output
    with watching(project.path, "-n", "2") as watch:
        code = watch.end()
    assert code == 4
    assert "deploycheck watch: a watch runs in one process; leave out -n / --dist" \
        in watch.output
    project.checklist("checklist: app\ntitle: App\nphase: postdeploy\nsections: [{id: s, "
                      "title: S, items: [{id: x, title: X, check: {file: {path: x}}}]}]\n")
    with watching(project.path, "-k", "nothing-has-this-name") as watch:
        code = watch.end()
    assert code == 5  # nothing selected: pytest's "no tests ran", never a success


@contextmanager
def socket_taken() -> Iterator[int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]
