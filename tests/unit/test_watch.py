"""A watch in plain Python: rounds over real checks, /healthz and /metrics served on
loopback (the Prometheus text checked by the real promtool), breaches, verdicts, and
memory that stays flat over 1,000 rounds."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import textwrap
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from helpers.project import IN_CI
from helpers.servers import LoopbackServer, closed_port, serve
from pytest_deploycheck.catalog import Catalog
from pytest_deploycheck.endpoints import Endpoints
from pytest_deploycheck.project import load_project
from pytest_deploycheck.report.exposition import Family, text
from pytest_deploycheck.run import Case, Run
from pytest_deploycheck.watch import Plan, Watch, watch

CHECKLIST = """
    checklist: app
    title: App
    phase: postdeploy
    sections:
      - id: live
        title: Live
        items:
          - {id: flag, title: The flag is up, check: {file: {path: flag}}}
          - {id: web, title: The web answers, check: {http: {url: "URL/ok"}},
             hold: {for: 30m, every: 1m}}
          - {id: token, title: With a token, only_in: [production],
             check: {http: {url: "http://127.0.0.1:PORT/?token=${env:TOKEN}"}}}
          - {id: signed, title: Signed off, attest: {roles: [ops]}}
    """
CANARY = "Cn@ry-w4tch-s3cret"


def write_project(root: Path, url: str) -> Path:
    (root / "checks").mkdir()
    (root / "checks/deploycheck.yaml").write_text(
        "project: shop\nrelease: 2.0.0\nenvironments: {staging: {}, production: {}}\n"
        "default_environment: staging\nroles: {ops: [ops@example.com]}\n")
    (root / "checks/allowed_signers").write_text("")
    (root / "checks/app.yaml").write_text(textwrap.dedent(CHECKLIST).replace(
        "URL", url).replace("PORT", str(closed_port())))
    (root / "flag").write_text("up")
    return root


@pytest.fixture
def project(tmp_path: Path, http_server: LoopbackServer) -> Path:
    return write_project(tmp_path, http_server.url)


def cases_in(root: Path, environment: str | None = None) -> tuple[Run, list[Case]]:
    settings = load_project(root / "checks/deploycheck.yaml", "checks/deploycheck.yaml",
                            "x").select(environment, None)
    items = Catalog(settings, root).items([root / "checks"])
    run = Run.start(settings, root, concurrency=4, environ={"TOKEN": CANARY})
    run.prepare(items, imports=False)
    return run, [Case(i, f"checks/app.yaml::{i.section}::{i.id}") for i in items]


@contextmanager
def watching(run: Run, cases: list[Case], plan: Plan,
             said: list[str]) -> Iterator[tuple[Endpoints, threading.Thread]]:
    """The watch on a thread of its own (no signal handlers there), its endpoints bound
    first; stopped at the end if it still runs."""
    endpoints = Endpoints().start()
    thread = threading.Thread(target=watch, args=(run, cases, Plan(
        **{**plan.__dict__, "endpoints": endpoints}), said.append), daemon=True)
    thread.start()
    try:
        yield endpoints, thread
    finally:
        if endpoints.watch is not None:
            endpoints.watch.stop.set()
        thread.join(10)
        endpoints.close()
        run.close()


def until(condition: Callable[[], object], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within 10 s"
        time.sleep(0.02)


def get(endpoints: Endpoints, path: str) -> requests.Response:
    return requests.get(f"http://{endpoints.address}{path}", timeout=5)


def test_healthz_follows_the_items_and_a_breach_runs_its_command_once(project: Path) -> None:
    run, cases = cases_in(project)
    said: list[str] = []
    plan = Plan(every=0.05, on_breach=f"echo \"$DEPLOYCHECK_BREACH\" >> {project / 'breach'}")
    with watching(run, cases, plan, said) as (endpoints, thread):
        assert get(endpoints, "/nowhere").status_code == 404
        until(lambda: get(endpoints, "/healthz").status_code == 200)
        body = get(endpoints, "/healthz").json()
        assert body["status"] == "holding"
        assert body["items"] == 2
        (project / "flag").unlink()  # the service goes down
        until(lambda: get(endpoints, "/healthz").status_code == 503)
        failing = get(endpoints, "/healthz").json()["failing"]
        assert [(f["item"], f["status"]) for f in failing] == [("flag", "failed")]
        assert "flag" in failing[0]["message"]
        until((project / "breach").exists)
        rounds = get(endpoints, "/healthz").json()["rounds"]
        until(lambda: get(endpoints, "/healthz").json()["rounds"] > rounds + 3)
        (project / "flag").write_text("up")  # back again: healthy again
        until(lambda: get(endpoints, "/healthz").status_code == 200)
    assert not thread.is_alive()
    assert (project / "breach").read_text() == "app::flag\n"  # once, naming the item
    assert any("every watched item holds again" in line for line in said)
    assert any(line.startswith("deploycheck watch: --on-breach exited 0") for line in said)
    assert any("1 manual item left out of the rounds" in line for line in said)
    # the verdicts are what the run reports: the first failure, with its round and time
    flag = run.record(next(c for c in cases if c.item.id == "flag"))
    assert flag.status == "failed"
    assert flag.message.startswith("failed in round ")
    assert " UTC: " in flag.message
    assert "flag" in flag.message
    said_of_flag = str(dict(flag.evidence)["watch"])
    assert said_of_flag.startswith("failed in ")
    assert said_of_flag.endswith("held in the latest")
    web = run.record(next(c for c in cases if c.item.id == "web"))
    assert web.status == "passed"
    assert str(dict(web.evidence)["watch"]).startswith("held in all ")
    assert web.duration < 5  # the 30-minute hold is the watch's own rounds here


def promtool_accepts(exposition: str) -> None:
    if shutil.which("promtool") is None:
        reason = "promtool is not installed (apt-get install prometheus)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run(["promtool", "check", "metrics"], input=exposition, text=True,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_metrics_are_prometheus_text_per_item_and_phase(project: Path) -> None:
    run, cases = cases_in(project, "production")
    said: list[str] = []
    with watching(run, cases, Plan(every=0.05), said) as (endpoints, _):
        until(lambda: get(endpoints, "/healthz").json()["rounds"] >= 2)
        found = get(endpoints, "/metrics")
        health = get(endpoints, "/healthz")
    assert found.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    metrics = found.text
    promtool_accepts(metrics)
    lines = metrics.splitlines()
    assert 'deploycheck_item_up{checklist="app",item="flag",phase="postdeploy"} 1' in lines
    assert 'deploycheck_item_up{checklist="app",item="token",phase="postdeploy"} 0' in lines
    assert any(line.startswith('deploycheck_item_consecutive_failures{checklist="app",'
                               'item="token",phase="postdeploy"} ') and
                               int(line.split()[-1]) >= 2 for line in lines)
    assert 'deploycheck_phase_ready{phase="postdeploy"} 0' in lines
    assert "# TYPE deploycheck_watch_rounds_total counter" in lines
    last_run = [float(line.split()[-1]) for line in lines
                if line.startswith("deploycheck_item_last_run_timestamp_seconds{")]
    assert len(last_run) == 3
    assert all(abs(t - time.time()) < 60 for t in last_run)
    # the token item failed naming its URL: the secret stays hidden on both endpoints
    assert CANARY not in metrics
    assert CANARY not in health.text
    assert "token=•••" in health.text


def test_the_exposition_escapes_what_prometheus_would_misread() -> None:
    family = Family("x_up", 'Help with a \\ and\na newline')
    family.add(1, item='say "hi"\\\n', host="")
    family.add(float("nan"), item="b")
    family.add(0.25, item="c")
    written = text([family])
    assert written == ('# HELP x_up Help with a \\\\ and\\na newline\n# TYPE x_up gauge\n'
                       'x_up{item="say \\"hi\\"\\\\\\n"} 1\nx_up{item="b"} NaN\n'
                       'x_up{item="c"} 0.25\n')
    promtool_accepts(written)


def test_a_port_that_cannot_be_had_is_said_before_anything_runs() -> None:
    taken = Endpoints()
    try:
        port = int(taken.address.rsplit(":", 1)[1])
        with pytest.raises(Exception, match=rf"cannot serve on 127.0.0.1:{port}: Address "
                                            "already in use"):
            Endpoints(port=port)
    finally:
        taken.close()
    assert get(Endpoints().start(), "/healthz").json() == {"status": "starting"}


def test_memory_stays_flat_over_1000_rounds(tmp_path: Path) -> None:
    """Live objects, threads and open files the same after 900 more rounds (bench/watch.py
    gives the RSS too)."""

    def alive() -> tuple[int, int, int]:
        gc.collect()
        return (len(gc.get_objects()),  # the probe pools' threads (others come and go)
                sum(1 for t in threading.enumerate() if t.name.startswith("deploycheck-")),
                len(os.listdir("/proc/self/fd")))

    with serve() as quiet:  # a server of its own, that keeps no list of what it was asked
        quiet.seen = deque(maxlen=1)  # type: ignore[assignment]
        run, cases = cases_in(write_project(tmp_path, quiet.url))
        found = Watch(run, cases, Plan(every=0.0), say=lambda _: None)
        try:
            for _ in range(100):  # the pools, sessions and caches made once
                assert found.round()
            objects, threads, files = alive()
            for _ in range(900):
                assert found.round()
            more_objects, more_threads, more_files = alive()
        finally:
            run.close()
    assert found.rounds == 1000
    assert all(w.runs == 1000 and w.failures == 0 for w in found.items.values())
    assert (more_threads, more_files) == (threads, files)
    assert more_objects - objects < 100, f"{more_objects - objects} more objects"
