"""The renderers on a run record made by hand: terminal summary, Markdown, JSON, HTML and
the JUnit properties — what each says, with no pytest run behind it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from pytest_deploycheck.model import SignOff
from pytest_deploycheck.record import ItemRecord, RunRecord
from pytest_deploycheck.report import evidence, files, html, markdown, terminal, view
from pytest_deploycheck.report import json as json_report

ALICE = SignOff("alice@example.com", "security-lead", "SHA256:abc", "approved",
                "2026-11-23T10:00:00Z", "2026-11-30T10:00:00Z", "Pen test <b>clean</b>")


def record(item: str, status: str, section: str = "security", line: int = 10,
           kind: str = "http", **more: object) -> ItemRecord:
    return ItemRecord(nodeid=f"checks/p.yaml::{section}::{item}", checklist="production",
                      checklist_title="Production", section=section,
                      section_title=section.title(), id=item, title=item.replace("-", " "),
                      phase="predeploy", kind=kind, path="checks/p.yaml", line=line,
                      section_line=5 if section == "security" else 50, status=status,
                      **more)  # type: ignore[arg-type]


RUN = RunRecord(
    project="payments", release="1.4.0", environment="production", commit="abc123",
    started="2026-12-02T10:00:00Z", finished="2026-12-02T10:00:05Z", exit_status=1,
    checklists={"checks/p.yaml": "sha256:1"},
    items=[
        record("tls-valid", "passed", line=10, evidence=(("days left", 80),)),
        record("waf-on", "failed", line=12, message="expected status 403, got 200",
               evidence=(("status", 200),)),
        record("pen-test", "passed", line=14, kind="manual", signoffs=(ALICE,)),
        record("go-no-go", "awaiting", section="signoffs", line=60, kind="manual",
               awaiting=("business-owner",), message="needs approval by business-owner"),
        record("cdn", "not_applicable", section="signoffs", line=62,
               message="not applicable in environment 'production' (only in staging)"),
    ])


def test_the_terminal_summary_counts_sections_and_shuts_the_gate() -> None:
    lines = [text for text, _ in terminal.summary_lines(RUN, verbosity=0)]
    assert lines == [
        "production: Production                       2/4 passed, 1 not applicable — 1 failed, "
        "1 awaiting sign-off",
        "  Security                                   2/3 passed — 1 failed",
        "  Signoffs                                   0/1 passed, 1 not applicable — "
        "1 awaiting sign-off",
        "awaiting sign-off:",
        "  business-owner: production::go-no-go",
        "predeploy: 2/4 passed, 1 not applicable — BLOCKED: 1 failed, 1 awaiting sign-off "
        "(business-owner)",
    ]
    assert [t for t, _ in terminal.summary_lines(RUN, verbosity=-2)] == lines[-1:]
    assert terminal.title(RUN) == "deploycheck: payments 1.4.0 in production"


def test_markdown_is_the_checklist_filled_in_in_the_seeds_shape() -> None:
    text = markdown.render(RUN)
    assert text.startswith("# Deployment checklists: payments 1.4.0 in production\n\n"
                           "- ❌ **predeploy**: 2/4 passed, 1 not applicable — BLOCKED:")
    assert "| tls valid | ☑ | days left: 80 |" in text
    assert "| waf on | ☐ failed | expected status 403, got 200 — status: 200 |" in text
    assert ("| security-lead | alice@example.com | `SHA256:abc` approved | "
            "2026-11-23T10:00:00Z | 2026-11-30T10:00:00Z | `production::pen-test` |") in text
    assert "| business-owner | — awaiting — | | | | `production::go-no-go` |" in text
    assert "- [ ] go no go — **awaiting sign-off**: needs approval by business-owner" in (
        markdown.render(RUN, style="list"))


def test_json_has_the_gates_and_every_item() -> None:
    document = json.loads(json_report.render(RUN))
    assert document["ready"] is False
    (gate,) = document["gates"]
    assert gate["counts"]["failed"] == 1
    assert gate["awaiting"] == {"business-owner": ["production::go-no-go"]}
    assert [i["id"] for i in document["items"]] == ["tls-valid", "waf-on", "pen-test",
                                                    "go-no-go", "cdn"]
    assert document["items"][2]["signers"][0]["principal"] == "alice@example.com"


def test_html_says_blocked_and_escapes_what_people_wrote() -> None:
    readiness = html.readiness(RUN)
    assert "BLOCKED" in readiness
    assert "1 failed, 1 awaiting sign-off (business-owner)" in readiness
    details = html.details(RUN.items[2])
    assert "Pen test &lt;b&gt;clean&lt;/b&gt;" in details
    assert "<b>clean</b>" not in details
    assert html.title(RUN) == "Deployment checklists: payments 1.4.0 in production"
    assert html.metadata(RUN)["Commit"] == "abc123"


def test_junit_properties_carry_status_evidence_signers_and_why_they_signed() -> None:
    assert evidence.properties(RUN.items[1]) == [("status", "failed"),
                                                 ("evidence.status", "200")]
    assert evidence.properties(RUN.items[2])[-1] == (
        "signer", "alice@example.com (security-lead) approved with key SHA256:abc, issued "
        "2026-11-23T10:00:00Z, expires 2026-11-30T10:00:00Z: Pen test <b>clean</b>")


RUNBOOK = ("Runbook", "https://wiki.example.com/runbooks/waf")
TICKET = ("OPS-12", "https://jira.example.com/browse/OPS-12")


def test_links_show_in_every_report() -> None:
    linked = RunRecord(project="p", environment="e", items=[
        record("waf-on", "failed", message="got 200", links=(RUNBOOK, TICKET))])
    assert ("| waf on [Runbook](<https://wiki.example.com/runbooks/waf>) "
            "[OPS-12](<https://jira.example.com/browse/OPS-12>) | ☐ failed | got 200 |"
            ) in markdown.render(linked)
    (item,) = json.loads(json_report.render(linked))["items"]
    assert item["links"] == [{"title": "Runbook", "url": RUNBOOK[1]},
                             {"title": "OPS-12", "url": TICKET[1]}]
    assert evidence.properties(linked.items[0])[-2:] == [
        ("link.Runbook", RUNBOOK[1]), ("link.OPS-12", TICKET[1])]
    shown = view.item_line(linked.items[0])
    assert (f'<a href="{RUNBOOK[1]}" target="_blank" rel="noopener">Runbook</a>'
            f'<a href="{TICKET[1]}" target="_blank" rel="noopener">OPS-12</a>') in shown


def test_justifications_show_in_markdown() -> None:
    text = markdown.render(RUN)
    assert "| tls valid |" in text
    assert ("approved by alice@example.com (security-lead) on 2026-11-23T10:00:00Z (key "
            "SHA256:abc): Pen test &lt;b>clean&lt;/b>") in text
    assert ("| `production::pen-test` | Pen test &lt;b>clean&lt;/b> |") in text


def test_files_are_written_where_asked_and_the_job_summary_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    options = {"deploycheck_json": str(tmp_path / "out/run.json")}
    files.write(RUN, options.get, environ={"GITHUB_STEP_SUMMARY": str(summary)})
    assert json.loads((tmp_path / "out/run.json").read_text())["project"] == "payments"
    assert summary.read_text().startswith("earlier step\n# Deployment checklists:")


class Reporter:
    """What HoldProgress uses of pytest's terminal reporter, recorded."""

    def __init__(self, isatty: bool) -> None:
        self.isatty = isatty
        self.said: list[str] = []
        self.startpath = Path("/project")
        self.currentfspath: object = Path("/project/checks/p.yaml")

    def rewrite(self, line: str, **markup: bool) -> None:
        self.said.append(f"rewrite {line}")

    def ensure_newline(self) -> None:
        self.said.append("newline")
        self.currentfspath = None  # as pytest's does

    def write_line(self, line: str) -> None:
        self.said.append(f"line {line}")

    def write(self, text: str) -> None:
        self.said.append(f"write {text!r}")


class Plugins:
    """pytest's plugin manager, as far as HoldProgress asks it."""

    def __init__(self, reporter: Reporter | None) -> None:
        self.reporter = reporter
        self.suspended = 0

    def get_plugin(self, name: str) -> object:
        return self.reporter if name == "terminalreporter" else self

    @contextlib.contextmanager
    def global_and_fixture_disabled(self) -> Iterator[None]:
        self.suspended += 1  # what pytest's capture manager does: write to the terminal
        yield


def test_hold_progress_is_one_line_below_the_files_progress_then_the_file_again() -> None:
    tty, log = Reporter(isatty=True), Reporter(isatty=False)
    for reporter in (tty, log):
        progress = terminal.HoldProgress(Plugins(reporter))
        for left in ("3.0 s", "2.0 s", "1.0 s"):
            progress(f"holding production::error-rates: {left} left")
        progress(None)  # the wait is over
        progress(None)  # (said once)
        assert reporter.currentfspath == Path("/project/checks/p.yaml")
    assert tty.said == ["newline", "rewrite holding production::error-rates: 3.0 s left",
                        "rewrite holding production::error-rates: 2.0 s left",
                        "rewrite holding production::error-rates: 1.0 s left",
                        "write '\\nchecks/p.yaml '"]
    assert log.said == ["newline", "line holding production::error-rates: 3.0 s left",
                        "write 'checks/p.yaml '"]
    terminal.HoldProgress(Plugins(None))("holding x: 1 s left")  # no terminal: nothing
