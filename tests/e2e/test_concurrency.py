"""Concurrent probing and xdist give the outcomes of a serial run."""

from __future__ import annotations

import gc
import os
import subprocess
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from helpers.project import Project, assert_clean, one_item
from helpers.servers import LoopbackServer, closed_port, serve
from pytest_deploycheck import spawn
from pytest_deploycheck.hosts.groups import Connection, HostGroup, HostRef, ansible_hosts
from pytest_deploycheck.hosts.targets import Target, Targets


def outcomes(project: Project, *args: str) -> dict[str, str]:
    """Run pytest; node id → outcome (with the message for failures and skips)."""
    result = project.run("--junitxml=out.xml", "-p", "no:cacheprovider", *args)
    assert_clean(result)
    found = {}
    for case in ElementTree.parse(project.path / "out.xml").getroot().iter("testcase"):
        nodeid = f"{case.get('classname')}::{case.get('name')}"
        verdict = next((c for c in case if c.tag != "properties"), None)
        if verdict is None:
            found[nodeid] = "passed"
        else:
            message = (verdict.get("message") or "").split(" (still failing")[0]
            found[nodeid] = f"{verdict.tag}: {message}"
    return found


def mixed_checklist(server: LoopbackServer) -> str:
    return f"""
        checklist: mixed
        title: Mixed
        phase: postdeploy
        sections:
          - id: probes
            title: Probes
            items:
              - {{id: ok, title: OK, check: {{http: {{url: "{server.url}/ok"}}}}}}
              - {{id: down, title: Down, check: {{http: {{url: "{server.url}/status/503"}}}}}}
              - {{id: slow, title: Slow, check: {{http: {{url: "{server.url}/slow/0.2"}}}}}}
              - {{id: refused, title: Refused,
                 check: {{tcp: {{host: 127.0.0.1, port: {closed_port()}}}}}}}
              - {{id: file, title: File, check: {{file: {{path: checks/app.yaml}}}}}}
              - {{id: cmd, title: Command, check: {{command: {{run: [sh, -c, "exit 2"]}}}}}}
              - {{id: signoff, title: Sign-off, attest: {{roles: [ops]}}}}
              - {{id: prod, title: Prod only, only_in: [production],
                 check: {{http: {{url: "{server.url}/ok"}}}}}}
          - id: runbook
            title: Runbook
            ordered: true
            items:
              - {{id: step-1, title: One, check: {{http: {{url: "{server.url}/ok"}}}}}}
              - {{id: step-2, title: Two, check: {{http: {{url: "{server.url}/status/500"}}}}}}
              - {{id: step-3, title: Three, check: {{http: {{url: "{server.url}/ok"}}}}}}
              - {{id: step-4, title: Four, check: {{command: {{run: ["true"]}}}}}}
        """


@pytest.fixture
def mixed(project: Project, http_server: LoopbackServer) -> Project:
    project.config("environments: {demo: {}, production: {}}\ndefault_environment: demo\n"
                   "roles: {ops: [ops@example.com]}\n")
    project.checklist(mixed_checklist(http_server))
    return project


def test_serial_concurrent_and_xdist_runs_give_the_same_outcomes(mixed: Project) -> None:
    serial = outcomes(mixed, "--deploycheck-concurrency", "1")
    assert serial["checks.app.yaml.probes::down"].startswith("failure: expected status 200")
    assert serial["checks.app.yaml.runbook::step-3"].startswith("skipped: blocked by step-2")
    assert serial["checks.app.yaml.probes::prod"].startswith("skipped: not applicable")
    assert list(serial.values()).count("passed") == 4
    assert outcomes(mixed) == serial
    assert outcomes(mixed, "--deploycheck-concurrency", "3") == serial
    assert outcomes(mixed, "-n", "2") == serial


def test_read_only_probes_overlap_and_concurrency_1_runs_them_one_at_a_time(
    project: Project,
) -> None:
    items = "\n".join(
        f"      - {{id: s{n}, title: S{n}, check: {{http: {{url: \"URL/slow/0.2\"}}}}}}"
        for n in range(8))
    text = "checklist: c\ntitle: C\nphase: deploy\nsections:\n  - id: s\n    title: S\n" \
           "    items:\n" + items + "\n"
    with serve() as server:
        project.write("checks/app.yaml", text.replace("URL", server.url))
        project.run("--deploycheck-concurrency", "1").assert_outcomes(passed=8)
        assert server.most_in_flight == 1
        project.run().assert_outcomes(passed=8)
        assert server.most_in_flight >= 4


def test_maxfail_stops_launching_new_probes(project: Project) -> None:
    with serve() as server:
        slow = f"{server.url}/slow/0.3"
        items = "\n".join(
            f"      - {{id: s{n}, title: S{n}, check: {{http: {{url: \"{slow}\"}}}}}}"
            for n in range(40))
        project.write("checks/app.yaml", (
            "checklist: c\ntitle: C\nphase: deploy\nsections:\n  - id: s\n    title: S\n"
            "    items:\n"
            f"      - {{id: first, title: F, "
            f"check: {{http: {{url: \"{server.url}/status/500\"}}}}}}\n"
            + items + "\n"))
        result = project.run("-x", "--deploycheck-concurrency", "4")
        result.assert_outcomes(failed=1)
        time.sleep(0.5)  # let probes already in flight finish
        launched = sum(1 for path, _ in server.seen if path.startswith("/slow"))
    assert launched <= 8, f"{launched} of 40 probes were launched after -x stopped the run"


HANGING_CONFTEST = """
    import time
    from dataclasses import dataclass
    from pytest_deploycheck import check_type

    @dataclass(frozen=True)
    class Hang:
        seconds: float

    @check_type("hang", read_only=True)
    def hang(spec: Hang, ctx) -> None:
        time.sleep(spec.seconds)

    def sleeper(seconds):
        time.sleep(seconds)
    """


def test_a_probe_that_ignores_its_timeout_is_abandoned_at_its_time_limit(
    project: Project,
) -> None:
    project.write("conftest.py", HANGING_CONFTEST)
    project.pytester.syspathinsert()
    project.checklist("""
        checklist: c
        title: C
        phase: deploy
        timeout: 300ms
        sections:
          - id: s
            title: S
            items:
              - {id: h1, title: H1, check: {hang: {seconds: 30}}}
              - {id: h2, title: H2, check: {hang: {seconds: 30}}}
              - {id: h3, title: H3, check: {hang: {seconds: 30}}}
              - {id: fn, title: Fn, check: {python: {function: "conftest:sleeper",
                                                     kwargs: {seconds: 30}}}}
              - {id: fine, title: Fine, check: {hang: {seconds: 0}}}
        """)
    started = time.monotonic()
    result = project.run("--deploycheck-concurrency", "2")
    elapsed = time.monotonic() - started
    result.assert_outcomes(failed=4, passed=1)
    result.stdout.fnmatch_lines(
        ["the check did not finish within its time limit of 300 ms (abandoned)"])
    assert elapsed < 12, f"took {elapsed:.1f} s"


def test_concurrency_must_be_a_positive_number(project: Project) -> None:
    result = project.run("--deploycheck-concurrency", "0")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["*--deploycheck-concurrency: expected a whole number of at least 1, got '0'"])


def test_concurrency_can_be_set_in_the_ini_file(project: Project) -> None:
    project.pytester.makeini("[pytest]\ndeploycheck_concurrency = nope\n")
    project.checklist("checklist: c\ntitle: C\nphase: deploy\nsections: []\n")
    result = project.run()
    result.stderr.fnmatch_lines(["*deploycheck_concurrency: expected a whole number of at "
                                 "least 1, got 'nope'"])


def test_an_ordered_section_stays_in_order_on_one_worker_under_xdist(project: Project) -> None:
    steps = "\n".join(
        f"      - {{id: step-{n}, title: Step {n}, check: {{command: {{run: [sh, -c, "
        f"\"echo step-{n} $PYTEST_XDIST_WORKER >> order.log; sleep 0.05; "
        f"exit {int(n == 4)}\"]}}}}}}"
        for n in range(1, 7))
    others = "\n".join(
        f"      - {{id: other-{n}, title: Other {n}, check: {{command: {{run: [sleep, '0.05']}}}}}}"
        for n in range(12))
    project.write("checks/app.yaml", (
        "checklist: c\ntitle: C\nphase: rollback\nsections:\n"
        "  - id: before\n    title: Before\n    items:\n" + others + "\n"
        "  - id: runbook\n    title: Runbook\n    ordered: true\n    items:\n" + steps + "\n"
        "  - id: after\n    title: After\n    items:\n" + others.replace("other-", "late-") + "\n"))
    found = outcomes(project, "-n", "2")
    log = (project.path / "order.log").read_text().split("\n")
    ran = [line.split()[0] for line in log if line]
    workers = {line.split()[1] for line in log if line}
    assert ran == ["step-1", "step-2", "step-3", "step-4"]
    assert len(workers) == 1
    assert found["checks.app.yaml.runbook::step-4"].startswith("failure: expected exit code 0")
    for n in (5, 6):
        assert found[f"checks.app.yaml.runbook::step-{n}"].startswith(
            "skipped: blocked by step-4")
    assert sum(1 for v in found.values() if v == "passed") == 27


def test_items_skipped_by_other_plugins_do_not_stall_or_repeat_probes(project: Project) -> None:
    project.write("conftest.py", """
        import pytest

        def pytest_runtest_setup(item):
            if item.name.startswith("skipped-"):
                pytest.skip("skipped by a project hook")
        """)
    with serve() as server:
        items = "\n".join(
            f"      - {{id: {'skipped' if n < 30 else 'kept'}-{n}, title: N{n}, "
            f"check: {{http: {{url: \"{server.url}/flaky/key-{n}/0\"}}}}}}"
            for n in range(50))
        project.write("checks/app.yaml", (
            "checklist: c\ntitle: C\nphase: deploy\nsections:\n  - id: s\n    title: S\n"
            "    items:\n" + items + "\n"))
        project.run("--deploycheck-concurrency", "4").assert_outcomes(passed=20, skipped=30)
        counts = dict(server.counts)
    assert all(counts[f"key-{n}"] == 1 for n in range(30, 50)), counts


def test_last_failed_reruns_only_the_failures(mixed: Project) -> None:
    """--lf reruns the failures; a runbook step it picks alone is blocked (its earlier
    steps did not run), and the gate says what did not run."""
    mixed.run()
    result = mixed.run("--lf", "-v", "-rs")
    result.assert_outcomes(failed=4, skipped=1, deselected=7)
    result.stdout.fnmatch_lines(["*::probes::down FAILED*",
                                 "*::runbook::step-2 SKIPPED (blocked by step-1*",
                                 "postdeploy: 0/5 passed — BLOCKED: 4 failed, 1 blocked, "
                                 "6 of 11 items not run (deselected by --lf)",
                                 "SKIPPED ?1? checks/app.yaml:*: blocked by step-1: an earlier "
                                 "step of this ordered section did not run in this run (run "
                                 "the whole section: -k runbook)"])


def test_probes_start_programs_safely_while_pytest_changes_the_environment(
    tmp_path: Path,
) -> None:
    """pytest sets and removes PYTEST_CURRENT_TEST around every item while probes start
    programs on other threads; a program started with the parent's environment failed
    now and then with "[Errno 14] Bad address" (seen on local:// hosts). Probes start
    programs through one helper that hands each its own environment, and local:// and
    Ansible targets run their commands through it: no process-wide switch."""
    assert getattr(subprocess, "_USE_VFORK", True), "nothing may turn vfork off globally"
    targets = Targets()
    (tmp_path / "inventory.ini").write_text("[app]\nbox ansible_connection=local\n")
    group = HostGroup("app", (), Connection(), ("inventory.ini", "app"))
    (box,) = ansible_hosts(group, str(tmp_path)).hosts
    on_targets = [targets.get(HostRef("local", "local://", "", Connection())), targets.get(box)]
    errors: list[Exception] = []
    done = threading.Event()

    def by_helper() -> None:
        while not done.is_set():
            try:
                spawn.run("true", shell=True, timeout=10)
            except OSError as exc:
                errors.append(exc)

    def on_target(target: Target) -> None:
        while not done.is_set():
            try:
                done_ = target.run(["true"], 10)
                if done_.rc != 0:
                    errors.append(RuntimeError(f"{target.name}: {done_.stderr}"))
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=by_helper) for _ in range(2)]
    threads += [threading.Thread(target=on_target, args=(t,)) for t in on_targets]
    for thread in threads:
        thread.start()
    try:
        for n in range(150_000):
            os.environ["DEPLOYCHECK_TEST_CURRENT"] = f"item-{n}"
            if n % 3 == 0:
                del os.environ["DEPLOYCHECK_TEST_CURRENT"]
    finally:
        done.set()
        for thread in threads:
            thread.join()
        os.environ.pop("DEPLOYCHECK_TEST_CURRENT", None)
    assert errors == []


def test_what_a_run_made_stays_out_of_the_garbage_collector_until_pytest_is_done(
        project: Project) -> None:
    """pytest collects garbage as it ends (its unraisable-exception plugin); scanning every
    object the run imported took most of a second after the summary. The run hands what
    it froze back only once pytest's own end is over."""
    project.checklist(one_item("{env: {names: [PATH]}}"))
    project.pytester.makeconftest("""
        import gc
        import pytest

        @pytest.hookimpl(trylast=True)
        def pytest_unconfigure(config):
            (config.rootpath / "frozen.txt").write_text(str(gc.get_freeze_count()))
        """)
    project.run().assert_outcomes(passed=1)
    assert int((project.path / "frozen.txt").read_text()) > 0  # through pytest's collections
    assert gc.get_freeze_count() == 0  # and handed back before pytest returns
