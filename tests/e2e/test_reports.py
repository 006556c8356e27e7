"""The run as the release's evidence: terminal summary and gate lines, pytest-html,
JUnit, JSON and Markdown — for a checklist mixing every outcome."""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import signing
from helpers.browser import rendered, screenshot
from helpers.project import Project, assert_clean, checklist_of, one_item
from helpers.servers import LoopbackServer, serve

CANARY = "canary-s3cr3t-4711"

CONFIG = """
    project: payments
    release: 1.4.0
    default_environment: production
    environments:
      production: {variables: {base_url: "BASE_URL"}}
      staging: {}
    roles:
      security-lead: [alice@example.com]
      risk-management: [bob@example.com]
      release-manager: [alice@example.com]
    waiver_roles: [release-manager]
    link_templates: {ticket: "https://jira.example.com/browse/{}"}
    """

MIXED = """
    checklist: production
    title: Production Deployment Checklist
    phase: predeploy
    sections:
      - id: review
        title: Code Review & Testing
        items:
          - id: code-reviewed
            title: All code reviewed and approved
            attest: {roles: [security-lead]}
          - id: go-no-go
            title: Go / no-go decision
            attest: {roles: [security-lead, risk-management], quorum: 2}
          - id: risk-signoff
            title: Risk management sign-off
            attest: {roles: [risk-management]}
      - id: infra
        title: Infrastructure Preparation
        tags: [infrastructure]
        items:
          - id: health
            title: All endpoints responding
            links: [{title: Runbook, url: "https://wiki.example.com/run?book=a&b=<c>"},
                    {ticket: OPS-12}]
            check: {http: {url: "${base_url}/ok", status: 200}}
          - id: api-auth
            title: Authentication working
            check:
              http:
                url: "${base_url}/status/503?key=${env:API_TOKEN}"
                headers: {Authorization: "Bearer ${env:API_TOKEN}"}
          - id: cdn
            title: CDN configured (if applicable)
            check: {command: {run: [sh, -c, "echo no CDN yet; exit 3"]}}
          - id: ddos
            title: DDoS protection enabled
            only_in: [staging]
            check: {env: {names: [DDOS_KEY]}}
      - id: rollback
        title: Rollback Steps
        phase: rollback
        ordered: true
        items:
          - id: notify
            title: Notify team of rollback decision
            check: {command: {run: [sh, -c, "exit 1"]}}
          - id: stop-trades
            title: Stop accepting new trades
            check: {command: {run: ["true"]}}
    """

OUTCOMES = {"code-reviewed": "passed", "go-no-go": "awaiting", "risk-signoff": "awaiting",
            "health": "passed", "api-auth": "failed", "cdn": "waived",
            "ddos": "not_applicable", "notify": "failed", "stop-trades": "blocked"}
PREDEPLOY_GATE = ("predeploy: 2/6 passed, 1 waived, 1 not applicable — BLOCKED: 1 failed, "
                  "2 awaiting sign-off (security-lead, risk-management)")
ROLLBACK_GATE = "rollback: 0/2 passed — BLOCKED: 1 failed, 1 blocked"
PATH_SET = "{id: path, title: PATH set, check: {env: {names: [PATH]}}}"


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with serve() as found:
        yield found


@pytest.fixture
def mixed(project: Project, keydir: Path, server: LoopbackServer,
          monkeypatch: pytest.MonkeyPatch) -> Project:
    """Passed, failed, waived, awaiting sign-off, not applicable and blocked items."""
    monkeypatch.setenv("API_TOKEN", CANARY)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    project.config(CONFIG.replace("BASE_URL", server.url))
    project.checklist(MIXED)
    project.write("checks/allowed_signers", signing.allowed_signers(
        keydir, {"alice@example.com": "ed25519", "bob@example.com": "ecdsa-p256"}))
    project.write("checks/attestations/alice.yaml",
                  signing.sign(project.path, keydir, "code-reviewed")
                  + signing.sign(project.path, keydir, "go-no-go")
                  + signing.sign(project.path, keydir, "cdn", role="release-manager",
                                 deploycheck="waiver", justification="CDN cut-over tomorrow"))
    return project


def run_all(project: Project, *args: str) -> pytest.RunResult:
    """Run with every output on; the outputs land in the project directory."""
    result = project.run("--junitxml=junit.xml", "--html=report.html", "--self-contained-html",
                         "--deploycheck-json=out/run.json", "--deploycheck-markdown=out/run.md",
                         *args)
    assert_clean(result)
    assert result.ret == 1
    return result


def read_json(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.path / "out/run.json").read_text())
    return data


# -- terminal ------------------------------------------------------------------------


def test_the_terminal_summary_counts_sections_and_gates_each_phase(mixed: Project) -> None:
    result = run_all(mixed)
    result.assert_outcomes(passed=2, failed=4, skipped=2, xfailed=1)
    result.stdout.fnmatch_lines([
        "*= deploycheck: payments 1.4.0 in production =*",
        "production: Production Deployment Checklist *2/8 passed, 1 waived, 1 not applicable "
        "— 2 failed, 2 awaiting sign-off, 1 blocked",
        "  Code Review & Testing * 1/3 passed — 2 awaiting sign-off",
        "  Infrastructure Preparation * 1/3 passed, 1 waived, 1 not applicable — 1 failed",
        "  Rollback Steps * 0/2 passed — 1 failed, 1 blocked",
        "awaiting sign-off:",
        "  security-lead: production::go-no-go",
        "  risk-management: production::go-no-go, production::risk-signoff",
        PREDEPLOY_GATE,
        ROLLBACK_GATE,
    ])


def test_quiet_runs_keep_the_gate_lines(mixed: Project) -> None:
    quiet = run_all(mixed, "-q").stdout.str()
    assert "production: Production Deployment Checklist" in quiet
    assert "Code Review & Testing" not in quiet
    assert PREDEPLOY_GATE in quiet
    very_quiet = run_all(mixed, "-qq").stdout.str()
    assert "production: Production Deployment Checklist" not in very_quiet
    assert "awaiting sign-off:" not in very_quiet
    assert PREDEPLOY_GATE in very_quiet
    assert ROLLBACK_GATE in very_quiet


def test_verbose_runs_say_awaiting_sign_off_and_waived(mixed: Project) -> None:
    result = run_all(mixed, "-vv", "-rfx")
    result.stdout.fnmatch_lines_random([
        "checks/app.yaml::review::go-no-go AWAITING SIGN-OFF*",
        "checks/app.yaml::infra::cdn WAIVED*",
        "AWAITING SIGN-OFF checks/app.yaml::review::risk-signoff - no attestation for "
        "risk-signoff: needs approval by risk-management",
        "WAIVED checks/app.yaml::infra::cdn - waived by alice@example.com (release-manager) "
        "until *: CDN cut-over tomorrow — the check found: expected exit code 0, got 3*",
        "FAILED checks/app.yaml::infra::api-auth - expected status 200, got 503*",
    ])


def test_a_gate_with_every_item_passed_is_ready(project: Project) -> None:
    project.checklist(checklist_of(
        "{id: path, title: PATH set, check: {env: {names: [PATH]}}}",
        "{id: cdn, title: CDN, only_in: [nowhere], check: {env: {names: [CDN]}}}"))
    project.config("environments: {here: {}, nowhere: {}}\ndefault_environment: here\n")
    result = project.run()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["predeploy: 1/1 passed, 1 not applicable — READY"])


def test_a_checklist_with_mistakes_blocks_every_gate(project: Project) -> None:
    project.checklist(checklist_of(PATH_SET, checklist="good"), name="good")
    project.checklist("checklist: bad\ntitle: Bad\nsections: []\n", name="bad")
    result = project.run("--continue-on-collection-errors")
    result.stdout.fnmatch_lines([
        "checks/bad.yaml:3:11: field 'sections': required key 'sections' is empty; its items "
        "did not run",
        "predeploy: 1/1 passed — BLOCKED: 1 checklist with mistakes (checks/bad.yaml)"])
    assert result.ret == 1


def test_stopping_at_the_first_failure_blocks_the_gate(project: Project) -> None:
    project.checklist(checklist_of(
        "{id: first, title: First, check: {env: {names: [NOT_SET_ANYWHERE]}}}", PATH_SET))
    result = project.run("-x", "--deploycheck-concurrency", "1")
    result.stdout.fnmatch_lines([
        "predeploy: 0/1 passed — BLOCKED: 1 failed, the run stopped before every item ran, "
        "1 of 2 items not run"])


def test_a_run_without_checklists_shows_nothing_of_deploycheck(pytester: pytest.Pytester,
                                                              tmp_path: Path) -> None:
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest(f"--deploycheck-json={tmp_path / 'run.json'}")
    result.assert_outcomes(passed=1)
    assert "deploycheck:" not in result.stdout.str()
    assert json.loads((tmp_path / "run.json").read_text())["items"] == []


# -- JSON ----------------------------------------------------------------------------


def test_json_has_every_item_with_its_outcome_and_the_run_header(mixed: Project) -> None:
    run_all(mixed)
    data = read_json(mixed)
    assert data["format"] == "pytest-deploycheck/1"
    assert (data["project"], data["release"], data["environment"]) == (
        "payments", "1.4.0", "production")
    assert data["started"].endswith("Z")
    assert data["exit_status"] == 1
    assert data["ready"] is False
    assert {i["id"]: i["outcome"] for i in data["items"]} == OUTCOMES
    assert [g["summary"] for g in data["gates"]] == [PREDEPLOY_GATE, ROLLBACK_GATE]
    assert data["files"]["checklists"]["checks/app.yaml"].startswith("sha256:")
    assert list(data["files"]["attestations"]) == ["checks/attestations/alice.yaml"]

    items = {i["id"]: i for i in data["items"]}
    health = items["health"]
    assert health["evidence"]["status"] == 200
    source = (mixed.path / "checks/app.yaml").read_text().splitlines()
    assert health["file"] == "checks/app.yaml"
    assert source[health["line"] - 1].strip() == "- id: health"
    assert (health["checklist"], health["section"], health["phase"], health["kind"]) == (
        "production", "infra", "predeploy", "http")
    assert health["tags"] == ["infrastructure"]
    signer, = items["code-reviewed"]["signers"]
    assert (signer["principal"], signer["role"], signer["decision"]) == (
        "alice@example.com", "security-lead", "approved")
    assert signer["fingerprint"].startswith("SHA256:")
    assert signer["issued_at"] < signer["expires_at"]
    assert items["go-no-go"]["awaiting"] == ["security-lead", "risk-management"]
    assert items["cdn"]["signers"][0]["kind"] == "waiver"
    assert items["stop-trades"]["message"].startswith("blocked by notify")
    assert items["ddos"]["message"] == ("not applicable in environment 'production' "
                                        "(only in staging)")


# -- Markdown ------------------------------------------------------------------------


def test_markdown_is_the_checklist_filled_in(mixed: Project) -> None:
    run_all(mixed)
    text = (mixed.path / "out/run.md").read_text()
    lines = text.splitlines()
    assert lines[0] == "# Deployment checklists: payments 1.4.0 in production"
    assert f"- ❌ **predeploy**: {PREDEPLOY_GATE.split(': ', 1)[1]}" in lines
    assert "## Production Deployment Checklist" in lines
    assert "### Code Review & Testing (predeploy)" in lines
    assert "| Item | Status | Notes |" in lines
    row = {line.split(" | ")[0][2:]: line for line in lines if line.startswith("| ")}
    assert row["All code reviewed and approved"].startswith(
        "| All code reviewed and approved | ☑ | approved by alice@example.com (security-lead)")
    assert "| ☐ awaiting sign-off | no attestation for risk-signoff" in row[
        "Risk management sign-off"]
    assert "| ☐ failed | expected status 200, got 503" in row["Authentication working"]
    assert "| ☐ waived | waived by alice@example.com" in row["CDN configured (if applicable)"]
    assert "| — not applicable | not applicable in environment" in row["DDoS protection enabled"]
    assert "| ☐ blocked | blocked by notify" in row["Stop accepting new trades"]
    health = row["All endpoints responding "  # the title, then its links
                 "[Runbook](<https://wiki.example.com/run?book=a&b=%3Cc%3E>) "
                 "[OPS-12](<https://jira.example.com/browse/OPS-12>)"]
    assert "; status: 200; " in health
    # the sign-off table: who signed, with which key, when; and who is still awaited
    assert "## Sign-offs" in lines
    assert any(re.fullmatch(r"\| security-lead \| alice@example\.com \| `SHA256:\S+` approved "
                            r"\| \S+Z \| \S+Z \| `production::code-reviewed` \| .* \|", line)
               for line in lines)
    assert any(line.startswith("| release-manager | alice@example.com |") and line.endswith(
        "| `production::cdn` | CDN cut-over tomorrow |") for line in lines)
    assert "| risk-management | — awaiting — | | | | `production::risk-signoff` | |" in lines


def test_markdown_lists_like_a_checklist_of_checkboxes(mixed: Project) -> None:
    run_all(mixed, "--deploycheck-markdown-style=list")
    lines = (mixed.path / "out/run.md").read_text().splitlines()
    assert any(line.startswith("- [x] All code reviewed and approved — approved by")
               for line in lines)
    assert ("- [ ] Risk management sign-off — **awaiting sign-off**: no attestation for "
            "risk-signoff: needs approval by risk-management") in lines
    assert any(line.startswith("- [ ] ~~DDoS protection enabled~~ — not applicable")
               for line in lines)


def test_markdown_is_appended_to_the_github_job_summary(
    mixed: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = mixed.path / "step-summary.md"
    summary.write_text("## Earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_all(mixed)
    text = summary.read_text()
    assert text.startswith("## Earlier step\n# Deployment checklists: payments 1.4.0")
    assert text.endswith((mixed.path / "out/run.md").read_text() + "\n")


# -- JUnit ---------------------------------------------------------------------------


def junit_properties(project: Project) -> dict[str, list[tuple[str, str]]]:
    tree = ET.parse(project.path / "junit.xml")  # it is well-formed XML
    return {case.attrib["name"]: [(p.attrib["name"], p.attrib["value"])
                                  for p in case.iter("property")]
            for case in tree.getroot().iter("testcase")}


def test_junit_carries_phase_section_kind_evidence_signers_and_links(mixed: Project) -> None:
    run_all(mixed)
    props = junit_properties(mixed)
    assert set(props) == set(OUTCOMES)
    health = dict(props["health"])
    assert (health["phase"], health["section"], health["kind"], health["checklist"]) == (
        "predeploy", "infra", "http", "production")
    assert (health["status"], health["evidence.status"]) == ("passed", "200")
    assert (health["link.Runbook"], health["link.OPS-12"]) == (
        "https://wiki.example.com/run?book=a&b=<c>", "https://jira.example.com/browse/OPS-12")
    signer = dict(props["code-reviewed"])["signer"]
    assert re.fullmatch(r"alice@example\.com \(security-lead\) approved with key SHA256:\S+, "
                        r"issued \S+Z, expires \S+Z(: .+)?", signer)
    go = dict(props["go-no-go"])
    assert (go["status"], go["awaiting"]) == ("awaiting sign-off",
                                              "security-lead, risk-management")
    waived_by = dict(props["cdn"])["waived_by"]
    assert waived_by.startswith("alice@example.com (release-manager) waived with key SHA256:")
    assert waived_by.endswith(": CDN cut-over tomorrow")  # why, for the auditor
    assert dict(props["ddos"])["status"] == "not applicable"
    assert dict(props["stop-trades"])["status"] == "blocked"


# -- HTML ----------------------------------------------------------------------------


def test_the_html_report_is_one_file_with_title_columns_readiness_and_signers(
    mixed: Project
) -> None:
    run_all(mixed)
    assert not (mixed.path / "assets").exists()  # --self-contained-html: one file to attach
    page = (mixed.path / "report.html").read_text()
    assert "<title id=\"head-title\">Deployment checklists: payments 1.4.0 in production" in page
    for column in ("Item", "Phase", "Section", "Kind", "Evidence / Attested by"):
        assert f">{column}</th>" in page
    assert page.count('class="deploycheck-bar"') == 2  # one per phase
    assert '<span class="dc-verdict">NO-GO</span>' in page
    blob = report_data(page)
    environment = blob["environment"]
    assert (environment["Project"], environment["Release"], environment["Environment"]) == (
        "payments", "1.4.0", "production")
    assert environment["Checklists"]["checks/app.yaml"].startswith("sha256:")
    assert environment["Attestations"]["checks/attestations/alice.yaml"].startswith("sha256:")
    shown = {}  # each row: its status (what the filters use), and what the Evidence column says
    for nodeid, (row,) in blob["tests"].items():
        cell, = (c for c in row["resultsTableRow"] if 'class="col-evidence"' in c)
        text = html.unescape(re.sub(r"<[^>]+>", " ", cell))
        shown[nodeid.rsplit("::", 1)[1]] = (row["result"], " ".join(text.split()))
    assert shown["code-reviewed"] == ("passed", "approved by alice@example.com (security-lead)")
    assert shown["go-no-go"] == ("awaiting", "awaiting sign-off from security-lead or "
                                           "risk-management approved by alice@example.com "
                                           "(security-lead)")
    assert shown["risk-signoff"] == ("awaiting", "awaiting sign-off from risk-management")
    assert shown["health"][0] == "passed"
    assert "status: 200" in shown["health"][1]
    assert shown["api-auth"][0] == "failed"
    assert shown["api-auth"][1].startswith("expected status 200, got 503")
    assert shown["cdn"][0] == "waived"
    assert shown["cdn"][1].startswith("waived by alice@example.com (release-manager) until")
    assert shown["ddos"] == ("not_applicable", "not applicable in environment 'production' "
                                        "(only in staging)")
    assert shown["stop-trades"][0] == "blocked"
    assert shown["stop-trades"][1].startswith("blocked by notify")
    code_reviewed, = blob["tests"]["checks/app.yaml::review::code-reviewed"]
    assert '<td class="col-item">All code reviewed and approved</td>' in code_reviewed[
        "resultsTableRow"]
    details = code_reviewed["extras"][0]["content"]
    for fact in ("alice@example.com", "security-lead", "SHA256:", "issued", "expires"):
        assert fact in details


def report_data(page: str) -> dict[str, Any]:
    """What pytest-html's page script renders: its JSON data blob, unescaped."""
    found = re.search(r'data-jsonblob="([^"]*)"', page)
    assert found is not None
    data: dict[str, Any] = json.loads(html.unescape(found[1]))
    return data


def test_the_html_report_reads_in_release_words_in_a_browser(mixed: Project,
                                                             tmp_path: Path) -> None:
    """Rendered by Chromium, as a person sees it: the headline first, every item of the
    checklists in their order with its status, pytest-html's filters, counts and Result
    column in the report's words, no pytest internals in a log box."""
    result = run_all(mixed)
    dom = rendered(mixed.path / "report.html", tmp_path / "profile")
    assert dom.one("h1", id="title").text == "Deployment checklists: payments 1.4.0 in production"
    headline = dom.one("div", class_="dc-headline").text
    assert headline.startswith("NO-GO payments 1.4.0 in production commit not bound · run ")
    why = [li.text for li in dom.one("ul", class_="dc-why").all("li")]
    assert why[:2] == ["predeploy BLOCKED: 1 failed, 2 awaiting sign-off (security-lead, "
                       "risk-management)", "rollback BLOCKED: 1 failed, 1 blocked"]
    assert "☐ awaiting sign-off production::go-no-go Go / no-go decision awaiting sign-off " \
           "from security-lead or risk-management" in why
    assert why[-1] == ("Awaiting sign-off: security-lead for production::go-no-go; "
                       "risk-management for production::go-no-go, production::risk-signoff")
    # the checklist view: every item, in the file's order, its status in words
    lines = [li.one("summary").text for li in dom.all("li") if li.attrs.get("id", "")
             .startswith("dc-")]
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["☑", "passed"], ["☐", "awaiting"], ["☐", "awaiting"], ["☑", "passed"], ["☒", "failed"],
        ["☑", "waived"], ["—", "not"], ["☒", "failed"], ["⛔", "blocked"]]
    opened = [d.attrs.get("open") is not None for d in dom.all("details", class_="dc-item")]
    assert opened == [False, True, True, False, True, False, False, True, False]
    # pytest-html's table: the same items, the same order, the same words
    rows = dom.all("tbody", class_="results-table-row")
    assert [r.attrs["id"].rsplit("::", 1)[1] for r in rows] == [
        "code-reviewed", "go-no-go", "risk-signoff", "health", "api-auth", "cdn", "ddos",
        "notify", "stop-trades"]
    assert [r.one("td", class_="col-result").text for r in rows] == [
        "passed", "awaiting sign-off", "awaiting sign-off", "passed", "failed", "waived",
        "not applicable", "failed", "blocked"]
    filters = dom.one("div", class_="filters").text
    assert filters == ("2 passed, 2 failed, 2 awaiting sign-off, 0 invalid sign-offs, "
                       "1 waived, 1 blocked, 1 not applicable, 0 skipped, 0 errors")
    summary = " ".join(d.text for d in dom.all("div", class_="summary"))
    for pytest_word in ("Failed", "Expected failures", "Unexpected passes", "Reruns"):
        assert pytest_word not in summary
    count = dom.one("p", class_="run-count").text
    assert count.startswith("9 items took ")
    result.stdout.fnmatch_lines(["*4 failed, 2 passed, 2 skipped, 1 xfailed*"])  # 9 items
    for box in dom.all("div", class_="log"):  # what a log box shows: captured output only
        for internal in ("Traceback", "CallInfo", "KeyboardInterrupt", "('", str(mixed.path)):
            assert internal not in box.text
    links = [(a.text, a.attrs["href"]) for a in rows[3].one("td", class_="col-links").all("a")]
    assert links == [("Runbook", "https://wiki.example.com/run?book=a&b=<c>"),
                     ("OPS-12", "https://jira.example.com/browse/OPS-12")]
    health = dom.one("li", id="dc-production::health")
    assert [(a.text, a.attrs["href"]) for a in health.all("a")] == links
    screenshot(mixed.path / "report.html", tmp_path / "report.png", tmp_path / "profile")
    assert (tmp_path / "report.png").stat().st_size > 20_000  # text and bars, not blank


def test_tests_beside_the_checklists_keep_pytests_words_with_assets_beside_the_page(
    project: Project, tmp_path: Path
) -> None:
    """A run with Python tests beside a checklist, the report with its assets in a
    directory (no --self-contained-html): the items speak the report's words, the tests
    pytest's, and every row shows."""
    project.checklist(one_item("{env: {names: [PATH]}}"))
    project.write("test_plain.py", "import pytest\n\ndef test_fine():\n    pass\n\n"
                  "@pytest.mark.xfail(reason='known', strict=True)\ndef test_known():\n"
                  "    assert False\n")
    result = project.run("--html=report/page.html", "checks", "test_plain.py")
    result.assert_outcomes(passed=2, xfailed=1)
    assert (project.path / "report/assets/style.css").is_file()
    dom = rendered(project.path / "report/page.html", tmp_path / "profile")
    rows = {r.attrs["id"]: r.one("td", class_="col-result").text
            for r in dom.all("tbody", class_="results-table-row")}
    assert rows == {"checks/app.yaml::main::probe": "passed",
                    "test_plain.py::test_fine": "passed",
                    "test_plain.py::test_known": "expected failure"}
    assert dom.one("div", class_="filters").text.endswith(
        "0 skipped, 0 errors, 1 expected failure")
    assert next(iter(rows)) == "checks/app.yaml::main::probe"  # checklist items first


# -- what changed since an earlier run -------------------------------------------------


def test_compare_names_what_changed_since_the_earlier_run_in_every_report(
    mixed: Project, server: LoopbackServer, tmp_path: Path
) -> None:
    """The earlier run's JSON, then one item edited (its sign-off no longer counts) and
    the endpoint moved (a passing check fails): every report names exactly those."""
    run_all(mixed)
    earlier = tmp_path / "1.4.0.json"
    (mixed.path / "out/run.json").rename(earlier)
    mixed.checklist(MIXED.replace("All code reviewed and approved",
                                  "All code reviewed and approved by two people"))
    mixed.config(CONFIG.replace("BASE_URL", server.url + "/status/404"))
    result = run_all(mixed, f"--deploycheck-compare={earlier}")
    result.assert_outcomes(passed=0, failed=6, skipped=2, xfailed=1)  # exit code: as ever
    result.stdout.fnmatch_lines([
        "changes since payments 1.4.0 in production, run *: 2 newly failing, 1 edited, "
        "1 sign-offs that no longer count, 1 file changed",
        "  newly failing:",
        "    production::code-reviewed (All code reviewed and approved by two people): "
        "passed → awaiting sign-off — *",
        "    production::health (All endpoints responding): passed → failed — expected "
        "status 200, got 404*",
        "  edited:",
        "    production::code-reviewed (*): passed → awaiting sign-off",
        "  sign-offs that no longer count:",
        "    production::code-reviewed (*): passed → awaiting sign-off — alice@example.com "
        "(security-lead) with key SHA256:* no longer counts: *",
        "  files changed:",
        "    checks/app.yaml: changed (sha256:*… → sha256:*…)",
    ])
    changes = read_json(mixed)["changes"]
    assert [c["item"] for c in changes["newly_failing"]] == ["production::code-reviewed",
                                                             "production::health"]
    assert [c["item"] for c in changes["edited"]] == ["production::code-reviewed"]
    assert [c["item"] for c in changes["signoffs_lost"]] == ["production::code-reviewed"]
    assert changes["newly_passing"] == changes["added"] == changes["removed"] == []
    assert changes["waivers_lapsed"] == []
    markdown_text = (mixed.path / "out/run.md").read_text()
    assert "## Changes since payments 1.4.0 in production, run " in markdown_text
    assert "- production::health (All endpoints responding): passed → failed" in markdown_text
    props = junit_properties(mixed)
    assert [v for k, v in props["code-reviewed"] if k == "change"] == [
        "newly failing", "edited", "sign-offs that no longer count"]
    assert [v for k, v in props["health"] if k == "change"] == ["newly failing"]
    assert [v for k, v in props["api-auth"] if k == "change"] == []
    page = (mixed.path / "report.html").read_text()
    assert '<div class="dc-changes"><h2>Changes since payments 1.4.0' in page
    assert '<a href="#dc-production::health">production::health</a>' in page
    later = tmp_path / "1.4.1.json"
    (mixed.path / "out/run.json").rename(later)
    cli = mixed.pytester.run(sys.executable, "-m", "pytest_deploycheck", "diff", str(earlier),
                             str(later))
    assert cli.ret == 0
    terminal_lines = [line for line in result.stdout.lines if line.startswith(
        ("changes since", "  ", "    "))]
    assert cli.outlines == terminal_lines[-len(cli.outlines):]  # the terminal's words


def test_compare_with_a_file_that_is_not_a_runs_json_is_a_usage_error(mixed: Project) -> None:
    mixed.write("junit-not-json.xml", "<testsuite/>")
    result = mixed.run("--deploycheck-compare=junit-not-json.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --deploycheck-compare: junit-not-json.xml:1:1: not "
                                 "JSON: Expecting value"])
    mixed.write("other.json", '{"format": "something/2", "items": []}')
    result = mixed.run("--deploycheck-compare=other.json")
    result.stderr.fnmatch_lines(["ERROR: --deploycheck-compare: other.json: not the JSON of a "
                                 "deploycheck run (format 'something/2', expected "
                                 "'pytest-deploycheck/1'; write one with --deploycheck-json)"])


# -- signed evidence ---------------------------------------------------------------------


CI_KEY = "ecdsa-p384"  # the CI job's key: it seals the evidence, it signs off nothing


@pytest.fixture
def sealed(mixed: Project, keydir: Path) -> Project:
    """The mixed run, with the CI key allowed to seal evidence, sealed by it."""
    ci_key = keydir / CI_KEY
    ci_key.chmod(0o600)
    public = " ".join((keydir / f"{CI_KEY}.pub").read_text().split()[:2])
    with (mixed.path / "checks/allowed_signers").open("a") as signers:
        signers.write(f'ci@example.com namespaces="deploycheck-evidence" {public}\n')
    result = run_all(mixed, f"--deploycheck-sign-evidence={ci_key}")
    result.stdout.fnmatch_lines(["evidence: run.json sha256:* sealed — check it with: "
                                 "deploycheck verify-evidence run.json"])
    return mixed


def verify_evidence(project: Project, *args: str) -> pytest.RunResult:
    return project.pytester.run(sys.executable, "-m", "pytest_deploycheck", "verify-evidence",
                                "out/run.json", *args)


def test_sealed_evidence_verifies_and_its_statement_describes_the_run(sealed: Project) -> None:
    out = sealed.path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "run.intoto.json", "run.intoto.json.sig", "run.json", "run.json.sig", "run.md"]
    done = verify_evidence(sealed)
    assert done.ret == 0, done.outlines
    done.stdout.fnmatch_lines([
        "ok    run.json: sealed by ci@example.com (key SHA256:*), sha256 *",
        "ok    run.intoto.json: signed by ci@example.com (key SHA256:*); result FAILED",
        "ok    3 files checked against the digests of the run",
        "ok    3 sign-offs of the run checked against the attestation files",
        "out/run.json: the evidence holds"])
    statement = json.loads((out / "run.intoto.json").read_text())
    data = (out / "run.json").read_bytes()
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://in-toto.io/attestation/test-result/v0.1"
    assert statement["subject"] == [{"name": "run.json",
                                     "digest": {"sha256": hashlib.sha256(data).hexdigest()}}]
    predicate = statement["predicate"]
    assert set(predicate) == {"result", "configuration", "passedTests", "warnedTests",
                              "failedTests"}
    assert predicate["result"] == "FAILED"
    assert [c["name"] for c in predicate["configuration"]] == [
        "checks/app.yaml", "checks/allowed_signers", "checks/attestations/alice.yaml"]
    for descriptor in predicate["configuration"]:
        assert re.fullmatch(r"[0-9a-f]{64}", descriptor["digest"]["sha256"])
    assert predicate["passedTests"] == ["production::code-reviewed", "production::health"]
    assert predicate["warnedTests"] == ["production::cdn"]
    assert predicate["failedTests"] == [
        "production::go-no-go", "production::risk-signoff", "production::api-auth",
        "production::notify", "production::stop-trades"]
    page = (sealed.path / "report.html").read_text()
    assert f"sha256 <code>{hashlib.sha256(data).hexdigest()}</code>" in page
    assert "deploycheck verify-evidence run.json" in page


def test_one_byte_changed_in_the_sealed_json_is_reported(sealed: Project) -> None:
    run_json = sealed.path / "out/run.json"
    data = run_json.read_bytes()
    edited = data.replace(b'"payments"', b'"paymentz"', 1)
    assert sum(a != b for a, b in zip(data, edited, strict=True)) == 1  # one byte
    run_json.write_bytes(edited)
    done = verify_evidence(sealed)
    assert done.ret == 1
    done.stdout.fnmatch_lines([
        "FAIL  run.json: the signature does not match the signed bytes (they were changed, "
        "or it was made for other bytes)",
        "FAIL  run.intoto.json: does not describe run.json as it is (differs in subject)",
        "out/run.json: 2 problems: do not trust it"])


def test_a_checklist_or_sign_off_changed_since_the_run_is_reported(sealed: Project) -> None:
    checklist = sealed.path / "checks/app.yaml"
    checklist.write_text(checklist.read_text() + "\n# edited after the release\n")
    (sealed.path / "checks/attestations/alice.yaml").write_text("[]\n")
    done = verify_evidence(sealed)
    assert done.ret == 1
    done.stdout.fnmatch_lines([
        "ok    run.json: sealed by ci@example.com *",
        "FAIL  checks/app.yaml: changed since the run (sha256:* then, sha256:* now)",
        "FAIL  checks/attestations/alice.yaml: changed since the run *",
        "FAIL  production::code-reviewed: the sign-off by alice@example.com (security-lead) "
        "with key SHA256:* is not backed by a valid entry at the time of the run: no such "
        "entry in the attestation files",
        "out/run.json: 5 problems: do not trust it"])


def test_evidence_sealed_by_a_key_not_allowed_to_seal_is_refused(mixed: Project,
                                                                  keydir: Path) -> None:
    (keydir / "ed25519").chmod(0o600)  # alice's key: allowed for sign-offs only
    run_all(mixed, f"--deploycheck-sign-evidence={keydir / 'ed25519'}")
    done = verify_evidence(mixed)
    assert done.ret == 1
    done.stdout.fnmatch_lines([
        "FAIL  run.json: key SHA256:* may not sign deploycheck-evidence: allowed_signers line "
        "1 limits the key to namespaces deploycheck"])


def test_sealing_that_fails_fails_the_run_and_says_why(mixed: Project, tmp_path: Path) -> None:
    result = mixed.run("--deploycheck-json=out/run.json",
                       f"--deploycheck-sign-evidence={tmp_path / 'no-such-key'}", "-k", "health")
    assert result.ret == 1  # every selected item passed: the missing seal fails the run
    result.stdout.fnmatch_lines(["evidence: run.json sha256:* NOT SEALED: ssh-keygen could "
                                 "not sign: *"])
    result = mixed.run(f"--deploycheck-sign-evidence={tmp_path / 'key'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --deploycheck-sign-evidence seals the run's JSON: "
                                 "give --deploycheck-json PATH too"])


# -- secrets and xdist ---------------------------------------------------------------


def test_a_canary_secret_appears_in_none_of_the_five_outputs(mixed: Project,
                                                             server: LoopbackServer) -> None:
    result = run_all(mixed, "-vv", "-rA")
    assert any(CANARY in path for path, _ in server.seen)  # the secret was really sent
    outputs = {"terminal": result.stdout.str() + result.stderr.str()}
    for name in ("junit.xml", "report.html", "out/run.json", "out/run.md"):
        outputs[name] = (mixed.path / name).read_text()
    for name, text in outputs.items():
        assert CANARY not in text, name
    auth = {i["id"]: i for i in read_json(mixed)["items"]}["api-auth"]
    assert auth["evidence"]["url"].endswith("/status/503?key=•••")


def normalized(project: Project) -> dict[str, Any]:
    """The outputs without what differs from run to run: times and durations."""

    def strip(text: str) -> str:
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", text)
        return re.sub(r"\d+(\.\d+)? ?(ms|s)\b", "DURATION", text)

    data = read_json(project)
    for key in ("started", "finished"):
        del data[key]
    for item in data["items"]:
        item["duration"] = None
        item["evidence"] = {k: strip(str(v)) for k, v in item["evidence"].items()}
        item["message"] = strip(item["message"])
    junit = {name: sorted((k, strip(v)) for k, v in props if k != "duration")
             for name, props in junit_properties(project).items()}
    return {"json": data, "markdown": strip((project.path / "out/run.md").read_text()),
            "junit": junit}


def summary_of(result: pytest.RunResult) -> list[str]:
    lines = result.stdout.lines
    start = next(n for n, line in enumerate(lines) if "= deploycheck: " in line)
    end = next(n for n in range(start, len(lines)) if lines[n].startswith("rollback: "))
    return lines[start:end + 1]


def test_outputs_are_the_same_serial_and_under_xdist(mixed: Project) -> None:
    serial = run_all(mixed)
    expected = normalized(mixed)
    distributed = run_all(mixed, "-n", "2")
    distributed.assert_outcomes(passed=2, failed=4, skipped=2, xfailed=1)
    assert normalized(mixed) == expected
    assert summary_of(distributed) == summary_of(serial)
    page = (mixed.path / "report.html").read_text()
    assert page.count('class="deploycheck-bar"') == 2
    rows = report_data(page)["tests"]
    assert set(rows) == {f"checks/app.yaml::{r}" for r in (
        "review::code-reviewed", "review::go-no-go", "review::risk-signoff", "infra::health",
        "infra::api-auth", "infra::cdn", "infra::ddos", "rollback::notify",
        "rollback::stop-trades")}
    code_reviewed, = rows["checks/app.yaml::review::code-reviewed"]
    assert "SHA256:" in code_reviewed["extras"][0]["content"]


def test_a_config_with_mistakes_still_gets_a_summary_and_a_report(project: Project) -> None:
    project.config("environments: {production: {}}\ndefault_environment: prod\n")
    project.checklist(checklist_of(PATH_SET))
    result = project.run("--html=report.html", "--self-contained-html",
                         "--deploycheck-json=run.json")
    assert_clean(result)
    assert result.ret == 2
    result.stdout.fnmatch_lines([
        "*checks/deploycheck.yaml:2:22: field 'default_environment': unknown environment "
        "'prod' — did you mean 'production'?",
        "*= deploycheck: project config with mistakes =*",
        "no checklist item ran — BLOCKED: 1 checklist with mistakes"])
    assert "Deployment checklists: project config with mistakes" in (
        project.path / "report.html").read_text()
    assert json.loads((project.path / "run.json").read_text())["ready"] is False


CONTACTS = """
    project: payments
    contacts:
      - {role: Ops Lead, name: Dana Ops, phone: "+1 555 0100", email: ops@example.com}
      - {role: Security Team, name: Sam Sec, email: security@example.com}
    """


def test_emergency_contacts_from_the_config_are_in_the_reports(project: Project) -> None:
    project.config(CONTACTS)
    project.checklist(checklist_of(PATH_SET))
    result = project.run("--html=report.html", "--self-contained-html",
                         "--deploycheck-json=run.json", "--deploycheck-markdown=run.md")
    result.assert_outcomes(passed=1)
    assert json.loads((project.path / "run.json").read_text())["contacts"] == [
        {"role": "Ops Lead", "name": "Dana Ops", "phone": "+1 555 0100",
         "email": "ops@example.com"},
        {"role": "Security Team", "name": "Sam Sec", "phone": "", "email": "security@example.com"}]
    markdown = (project.path / "run.md").read_text().splitlines()
    assert markdown[markdown.index("## Emergency contacts") + 4] == (
        "| Ops Lead | Dana Ops | +1 555 0100 | ops@example.com |")
    page = (project.path / "report.html").read_text()
    assert "Emergency contacts" in page
    assert "security@example.com" in page


def test_a_misspelt_contact_field_is_a_config_mistake(project: Project) -> None:
    project.config(CONTACTS.replace("phone:", "phnoe:"))
    project.checklist(checklist_of(PATH_SET))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*field 'contacts.0.phnoe': unknown key 'phnoe' — did you "
                                 "mean 'phone'?*"])
