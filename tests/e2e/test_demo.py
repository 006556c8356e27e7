"""This repository's own checklists (checks/) against the demo environment, as a new user
runs them: every seed line is an item, every phase passes, and the gate closes — with a
one-line reason — when a sign-off goes or the HTTPS service stops."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from demo import monitoring
from demo import sign as demo_sign
from helpers.browser import rendered
from helpers.project import IN_CI, Project
from helpers.seeds import SEEDS, seed_lines
from pytest_deploycheck.catalog import Catalog, discover
from pytest_deploycheck.model import Item
from pytest_deploycheck.project import load_project

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 300

# Where each section of the seeds goes: the seed's phase headings, and the trading,
# compliance and sign-off sections before the deployment (the gate needs them).
PHASES = {
    "production": {
        "code-review": "predeploy", "infrastructure": "predeploy", "database-setup": "predeploy",
        "security": "predeploy", "monitoring": "predeploy", "backup-recovery": "predeploy",
        "deploy-checks": "deploy", "deploy-steps": "deploy", "post-validation": "postdeploy",
        "market-data": "predeploy", "trading-engine": "predeploy",
        "risk-management": "predeploy", "compliance": "predeploy",
        "monitoring-24h": "postdeploy", "performance-tuning": "postdeploy",
        "documentation": "postdeploy", "rollback-conditions": "rollback",
        "rollback-steps": "rollback", "sign-offs": "predeploy"},
    "backtesting": {
        "pre-deployment": "predeploy", "preparation": "deploy", "staging-deployment": "deploy",
        "production-deployment": "deploy", "post-deployment": "postdeploy",
        "rollback": "rollback", "sign-off": "predeploy"},
}
TAGGED = {"market-data": "trading", "trading-engine": "trading", "risk-management": "risk",
          "compliance": "compliance", "security": "security", "monitoring": "monitoring"}
ROLES = {"ops-lead", "dev-lead", "database-admin", "security-team", "business-owner",
         "risk-management", "deployment-manager", "qa-lead", "product-owner"}


def items_of(environment: str = "demo") -> dict[str, list[Item]]:
    settings = load_project(ROOT / "checks/deploycheck.yaml", "deploycheck.yaml",
                                      "x").select(environment, None)
    catalog = Catalog(settings, ROOT)
    return {c.id: list(c.items) for c in map(catalog.load, discover([ROOT / "checks"]))}


def pytest_in_repo(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on this repository's checks/, as a user runs it from the project root (in a
    terminal wide enough that the short summary keeps each reason whole, as on CI)."""
    if shutil.which("prometheus") is None:
        reason = "the demo's Prometheus is not installed (apt-get install prometheus " \
                 "prometheus-alertmanager)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          check=False, env={**os.environ, "COLUMNS": "250", **env})


def outcomes(report: Path) -> dict[str, str]:
    data: dict[str, Any] = json.loads(report.read_text())
    return {i["nodeid"]: i["outcome"] for i in data["items"]}


@pytest.mark.parametrize("checklist", ["production", "backtesting"])
def test_every_seed_line_is_an_item_in_its_words_and_order(checklist: str) -> None:
    titles = [i.title for i in items_of()[checklist]]
    assert titles == seed_lines(SEEDS[checklist].read_text())


def test_collect_only_lists_the_159_seed_items() -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "checks",
                           "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout
    assert "159 tests collected" in done.stdout
    assert sum(line.startswith("checks/") for line in done.stdout.splitlines()) == 159


@pytest.mark.parametrize("checklist", ["production", "backtesting"])
def test_sections_are_in_the_phase_of_their_seed_heading(checklist: str) -> None:
    found = {i.section: i.phase for i in items_of()[checklist]}
    assert found == PHASES[checklist]


def test_trading_and_compliance_sections_are_tagged_and_roles_are_the_seeds() -> None:
    items = [i for found in items_of().values() for i in found]
    for item in items:
        if item.section in TAGGED and item.checklist == "production":
            assert TAGGED[item.section] in item.tags, item.id
    assert {r for i in items if i.attest for r in i.attest.roles} == ROLES
    rollback_steps = [i for i in items if i.section in ("rollback-steps", "rollback")]
    assert rollback_steps
    assert all(i.ordered for i in rollback_steps)
    automated = sum(i.check is not None for i in items)
    assert automated > len(items) / 2, "most items a probe can check are automated"


def test_the_demo_sign_offs_are_current() -> None:
    """Fails when a checklist changed after the demo was signed: run python -m demo.sign."""
    settings = demo_sign.settings()
    stale = demo_sign.stale(settings, datetime.now(timezone.utc),
                            demo_sign.manual_items(settings))
    assert not stale, "run python -m demo.sign: " + "; ".join(
        f"{item.checklist}::{item.id}: {why}" for item, why in stale)


def test_the_demo_key_counts_in_the_demo_only(tmp_path: Path) -> None:
    demo_key = (ROOT / "demo/keys/demo-only_ed25519.pub").read_text().split()[1]
    assert demo_key not in (ROOT / "checks/allowed_signers").read_text()
    done = pytest_in_repo("-m", "manual and predeploy", "--deploycheck-env", "staging",
                          f"--deploycheck-json={tmp_path / 'staging.json'}")
    assert done.returncode == 1
    assert set(outcomes(tmp_path / "staging.json").values()) == {"awaiting"}
    assert "AWAITING SIGN-OFF checks/production.yaml::code-review::code-reviewed" in done.stdout


def test_every_phase_passes_against_the_demo_serially_and_under_xdist(tmp_path: Path) -> None:
    serial = pytest_in_repo(f"--deploycheck-json={tmp_path / 'serial.json'}",
                            f"--html={tmp_path / 'report.html'}", "--self-contained-html")
    assert serial.returncode == 0, serial.stdout[-3000:]
    for phase, count in (("predeploy", 77), ("deploy", 32), ("postdeploy", 29),
                         ("rollback", 18)):
        assert f"{phase}: {count}/{count} passed" in serial.stdout
    found = outcomes(tmp_path / "serial.json")
    assert sorted(set(found.values())) == ["not_applicable", "passed"]
    assert list(found.values()).count("not_applicable") == 3
    assert "Traceback" not in serial.stdout + serial.stderr
    assert "warning" not in serial.stdout.splitlines()[-1]  # none lands on an item
    assert (tmp_path / "report.html").stat().st_size > 10_000
    spread = pytest_in_repo("-n", "2", f"--deploycheck-json={tmp_path / 'xdist.json'}")
    assert spread.returncode == 0, spread.stdout[-3000:]
    assert outcomes(tmp_path / "xdist.json") == found


def test_removing_one_sign_off_closes_the_gate_naming_who_must_sign(tmp_path: Path) -> None:
    copy = tmp_path / "attestations"
    shutil.copytree(ROOT / "checks/demo/attestations", copy)
    signer = copy / "dev-lead@demo.invalid.yaml"
    entries = signer.read_text().split("- statement: |\n")
    kept = [e for e in entries if "item: code-reviewed\n" not in e]
    assert len(kept) == len(entries) - 1
    signer.write_text("- statement: |\n".join(kept))
    done = pytest_in_repo("-m", "predeploy", f"--deploycheck-attestations={copy}", "-rf")
    assert done.returncode == 1
    assert ("AWAITING SIGN-OFF checks/production.yaml::code-review::code-reviewed - no "
            "attestation for code-reviewed: needs approval by dev-lead") in done.stdout
    assert ("predeploy: 76/77 passed, 3 not applicable — BLOCKED: 1 awaiting sign-off "
            "(dev-lead)") in done.stdout


def test_stopping_the_https_service_closes_the_gate_with_one_line_reasons(
    tmp_path: Path
) -> None:
    """One sign-off removed and the HTTPS service down: the terminal gives one-line
    reasons, and the report's first screen says NO-GO, what blocks it and who is awaited,
    then lists every predeploy item in the seed's order."""
    copy = tmp_path / "attestations"
    shutil.copytree(ROOT / "checks/demo/attestations", copy)
    (copy / "qa-lead@demo.invalid.yaml").unlink()
    done = pytest_in_repo("-m", "predeploy and not monitoring", "-rf",
                          f"--deploycheck-attestations={copy}",
                          f"--deploycheck-json={tmp_path / 'down.json'}",
                          f"--html={tmp_path / 'report.html'}", "--self-contained-html",
                          DEPLOYCHECK_DEMO_DOWN="https")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED ")]
    assert failed
    for line in failed:
        assert "connection refused" in line.lower() or "failures" in line, line
    assert any("ssl-certificates - " in line for line in failed)
    data = json.loads((tmp_path / "down.json").read_text())
    gate = next(g for g in data["gates"] if g["phase"] == "predeploy")
    assert not gate["ready"]
    assert gate["counts"]["failed"] == len(failed)
    assert gate["counts"]["awaiting"] == 2

    dom = rendered(tmp_path / "report.html", tmp_path / "profile")
    headline = dom.one("div", class_="dc-headline").text
    assert headline.startswith("NO-GO demo-trader 1.4.0 in demo")
    why = dom.one("ul", class_="dc-why").text
    assert why.startswith(f"predeploy BLOCKED: {len(failed)} failed, 2 awaiting sign-off "
                          f"(qa-lead), {gate['not_run']['count']} of 77 items not run (deselected "
                          "by -m predeploy and not monitoring)")
    assert "☒ failed production::ssl-certificates SSL certificates installed and valid" in why
    assert why.endswith("Awaiting sign-off: qa-lead for backtesting::issues-resolved, "
                        "backtesting::qa-lead-sign-off")
    shown = [li.one("span", class_="dc-status").text + " | " + li.one("summary").text
             for li in dom.all("li") if li.attrs.get("id", "").startswith("dc-")]
    seed = [item for items in items_of().values() for item in items
            if item.phase == "predeploy"]
    assert len(shown) == len(seed) == 80
    for line, item in zip(shown, seed, strict=True):
        status, summary = line.split(" | ")
        assert summary.startswith(f"{status} {item.title}"), (line, item.title)
    statuses = [line.split(" | ")[0] for line in shown]
    assert statuses.count("○ not run") == gate["not_run"]["count"] > 0  # deselected here
    assert statuses.count("☐ awaiting sign-off") == 2
    rows = dom.all("tbody", class_="results-table-row")
    results = [r.one("td", class_="col-result").text for r in rows]
    assert results.count("awaiting sign-off") == 2
    assert "Failed" not in results
    assert "awaiting sign-off" in dom.one("div", class_="filters").text
    for box in dom.all("div", class_="log"):
        assert not re.search(r"Traceback|CallInfo|(?<![\w.])/(tmp|root|home|work)/", box.text)


def test_the_next_release_says_exactly_what_changed_since_the_last(tmp_path: Path) -> None:
    """1.4.0 as it is, then 1.4.1 with one item edited and the HTTPS service down:
    --deploycheck-compare and `deploycheck diff` name the edited item, each newly failing
    item and each sign-off that no longer counts (every one: they were given for 1.4.0)."""
    repo = tmp_path / "repo"
    for part in ("checks", "demo"):
        shutil.copytree(ROOT / part, repo / part)
    for part in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / part, repo / part)
    selection = ("-m", "predeploy and not monitoring")
    first = pytest_in_repo(*selection, "--deploycheck-json=1.4.0.json", cwd=repo)
    assert first.returncode == 0, first.stdout[-2000:]
    checklist = repo / "checks/production.yaml"
    checklist.write_text(checklist.read_text().replace(
        "title: Firewall rules configured", "title: Firewall rules configured and reviewed"))
    second = pytest_in_repo(*selection, "-v", "--deploycheck-release=1.4.1",  # -v: every change
                            "--deploycheck-compare=1.4.0.json", "--deploycheck-json=1.4.1.json",
                            cwd=repo, DEPLOYCHECK_DEMO_DOWN="https")
    assert second.returncode == 1, second.stdout[-3000:] + second.stderr[-3000:]
    before, after = (json.loads((repo / f"{v}.json").read_text()) for v in ("1.4.0", "1.4.1"))
    changes = after["changes"]
    assert [c["item"] for c in changes["edited"]] == ["production::firewall-rules"]
    failing = {f"{i['checklist']}::{i['id']}" for i in after["items"]
               if i["outcome"] in ("failed", "awaiting")}
    assert {c["item"] for c in changes["newly_failing"]} == failing  # all passed in 1.4.0
    assert "production::ssl-certificates" in failing
    signed = {f"{i['checklist']}::{i['id']}" for i in before["items"]
              if i["kind"] == "manual" and i["outcome"] == "passed"}
    assert {c["item"] for c in changes["signoffs_lost"]} == signed
    assert changes["added"] == changes["removed"] == changes["newly_passing"] == []
    assert changes["files"] == [
        f"checks/production.yaml: changed ({before['files']['checklists'][p][:19]}… → "
        f"{after['files']['checklists'][p][:19]}…)" for p in ["checks/production.yaml"]]
    diff = subprocess.run([sys.executable, "-m", "pytest_deploycheck", "diff", "1.4.0.json",
                           "1.4.1.json"], cwd=repo, capture_output=True, text=True,
                          timeout=60, check=False)
    assert diff.returncode == 0, diff.stderr
    said = diff.stdout.splitlines()
    assert said[0].startswith("changes since demo-trader 1.4.0 in demo, run ")
    assert said == [line for line in second.stdout.splitlines()
                    if line.startswith(("changes since", "  "))][-len(said):]


def test_without_prometheus_the_monitoring_items_say_how_to_install_it(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:  # as if neither binary were on PATH
        patched.setattr(shutil, "which", lambda name: None)
        stand_in = monitoring.Monitoring(tmp_path, tmp_path / "ca.pem", {}, [0, 0], 0.0)
    try:
        result = project.run_check(f"{{prometheus: {{url: '{stand_in.prometheus_url}', "
                                   f"alertmanager: '{stand_in.alertmanager_url}', "
                                   "targets_up: true}}")
    finally:
        stand_in.stop()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*/api/v1/targets: unavailable: the demo's Prometheus and "
                                 "Alertmanager are not installed on this machine (apt-get "
                                 "install prometheus prometheus-alertmanager)"])


def test_a_selection_of_the_demo_gate_is_incomplete_never_ready() -> None:
    done = pytest_in_repo("-m", "predeploy", "-k", "ssl")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "predeploy: 1/1 passed — INCOMPLETE: 76 of 77 items not run (deselected by -k " \
           "ssl)" in done.stdout
    assert "READY" not in done.stdout


def test_the_first_24_hours_are_checked_from_history_and_a_spike_fails_with_both_values(
) -> None:
    """The monitoring items judge the minutes since the deploy from the demo Prometheus's
    history, and compare latency with the previous release's: they pass, and with a spike
    in those minutes the response times fail naming when, with both values."""
    calm = pytest_in_repo("-m", "postdeploy", "-k", "monitoring-24h", "-rA")
    assert calm.returncode == 0, calm.stdout[-3000:]
    assert re.search(r"window: \S+Z to \S+Z\nsamples: \d{3}\n", calm.stdout), calm.stdout
    found = re.search(r"\nvalue: ([\d.]+)\nbaseline: ([\d.]+)\nratio: ([\d.]+)\n", calm.stdout)
    assert found, calm.stdout
    assert float(found.group(2)) == pytest.approx(0.2125)  # the previous release's p99
    assert float(found.group(3)) < 1.5
    spiky = pytest_in_repo("-m", "postdeploy", "-k", "monitoring-24h", "-rA",
                           DEPLOYCHECK_DEMO_SPIKE="latency")
    assert spiky.returncode == 1
    failed = [line for line in spiky.stdout.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 1
    assert failed[0].startswith("FAILED checks/production.yaml::monitoring-24h::response-times")
    assert re.search(r"\nexpected histogram_quantile\(.*\) <= 0.5 over the window, got 0.99\d* "
                     r"at \S+Z; and expected at most 1.5 times its baseline, got 0.\d+ against "
                     r"0.2125 at \S+Z \(ratio \d\.\d\d\)\n", spiky.stdout), spiky.stdout[-3000:]


def test_a_watch_of_the_demo_is_scraped_by_its_prometheus_and_breaks_mid_window(
    tmp_path: Path
) -> None:
    """`deploycheck watch` over the demo: its Prometheus scrapes the watch (every target
    up), the API slows down two seconds in, and the response times fail in a later round,
    which runs --on-breach once and ends the watch."""
    if shutil.which("prometheus") is None:
        pytest.skip("the demo's Prometheus is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "pytest_deploycheck", "watch", "-m", "postdeploy", "-k",
         "monitoring-24h or monitoring-normal", "--every", "2s", "--for", "90s",
         "--stop-on-breach", "--on-breach", f"echo \"$DEPLOYCHECK_BREACH\" > {tmp_path / 'b'}",
         "-p", "no:cacheprovider", "-rA"], cwd=ROOT, capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False,
        env={**os.environ, "COLUMNS": "250", "DEPLOYCHECK_DEMO_SPIKE": "latency@2s"})
    output = done.stdout
    assert done.returncode == 1, output[-3000:]
    breach = re.search(r"round (\d+) at \S+ UTC: 1 of 6 watched items failing \(breach\):\n"
                       r"  production::response-times: expected .* <= 0.5 over the window, "
                       r"got [\d.]+ at \S+Z", output)
    assert breach, output[-3000:]
    assert int(breach.group(1)) > 1  # it held first: the spike came mid-window
    assert (tmp_path / "b").read_text() == "production::response-times\n"
    assert re.search(r"\(--stop-on-breach\);.* breached in round \d+: 1 of 6 items failed in "
                     "1 round\n", output), output[-3000:]
    # the demo's Prometheus scraped the watch's /metrics: every one of its targets is up
    assert "PASSED checks/backtesting.yaml::post-deployment::monitoring-normal" in output
    assert re.search(r"\ntargets: 5\n", output), output[-3000:]
