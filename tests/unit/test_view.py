"""The checklist view and pytest-html's page in the report's words, on run records made by
hand: what a release manager reads first, with no pytest run behind it."""

from __future__ import annotations

import re
from dataclasses import replace

from pytest_deploycheck.model import SignOff
from pytest_deploycheck.record import ItemRecord, Planned, RunRecord
from pytest_deploycheck.report import page, view

ANA = SignOff("ana@example.com", "security-lead", "SHA256:k3y", "approved",
              "2026-11-23T10:00:00Z", "2026-11-30T10:00:00Z", "pen test <clean>")


SECTION_LINES = {"security": 5, "signoffs": 50, "other": 80}


def record(item: str, status: str, *, section: str = "security", line: int = 10,
           phase: str = "predeploy", **more: object) -> ItemRecord:
    return ItemRecord(nodeid=f"checks/p.yaml::{section}::{item}", checklist="production",
                      checklist_title="Production", section=section,
                      section_title=section.title(), id=item, title=item.replace("-", " "),
                      phase=phase, kind="http", path="checks/p.yaml", line=line,
                      section_line=SECTION_LINES[section], status=status,
                      **more)  # type: ignore[arg-type]


def text(markup: str) -> str:
    """What a person reads: tags and styles gone, entities resolved, spaces collapsed."""
    import html

    markup = re.sub(r"<style>.*?</style>", "", markup, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def run_of(*items: ItemRecord, planned: tuple[ItemRecord, ...] = ()) -> RunRecord:
    return RunRecord(project="payments", release="1.4.0", environment="production",
                     commit="abc123", started="2026-12-02T10:00:00Z",
                     finished="2026-12-02T10:05:00Z", items=list(items),
                     expected={r.ref: Planned(r.phase, lambda r=r: r)  # type: ignore[misc]
                               for r in (*items, *planned)})


def test_every_item_ready_is_go_with_the_release_and_its_time() -> None:
    shown = text(view.headline(run_of(record("tls", "passed"), record("cdn", "waived"))))
    assert shown == ("GO payments 1.4.0 in production commit abc123 · run 2026-12-02 10:00 UTC "
                     "to 10:05 UTC")


def test_no_go_names_each_blocker_and_who_is_awaited() -> None:
    run = run_of(record("tls", "passed"), record("waf", "failed", line=12,
                                                 message="expected status 403, got 200"),
                 record("go", "awaiting", section="signoffs", awaiting=("risk",),
                        message="needs approval by risk"))
    shown = view.headline(run)
    assert text(shown).startswith("NO-GO payments 1.4.0 in production")
    assert text(shown).endswith(
        "predeploy BLOCKED: 1 failed, 1 awaiting sign-off (risk) "
        "☒ failed production::waf waf expected status 403, got 200 "
        "☐ awaiting sign-off production::go go awaiting sign-off from risk "
        "Awaiting sign-off: risk for production::go")
    assert 'href="#dc-production::waf"' in shown  # each blocker links to its line


def test_a_run_with_nothing_to_show_is_no_go() -> None:
    assert text(view.headline(RunRecord(project="p", environment="e"))).endswith(
        "no checklist item ran")


def test_the_checklists_list_every_planned_item_in_file_order_not_run_included() -> None:
    run = run_of(record("waf", "failed", line=12, message="got 200"),
                 record("tls", "passed", line=10, evidence=(("days left", 80),)),
                 planned=(record("dns", "not_run", line=11),
                          record("plan", "not_run", section="other", phase="rollback")))
    shown = view.checklists(run)
    assert text(shown).startswith("Production 1/2 passed — 1 failed, 1 not run ")
    lines = [text(m) for m in re.findall(r"<summary>(.*?)</summary>", shown)]
    assert lines == ["Security 1/2 passed — 1 failed, 1 not run",
                     "☑ passed tls days left: 80",
                     "○ not run dns did not run in this run",
                     "☒ failed waf got 200"]  # the rollback item: another phase, not shown


def test_failed_and_awaiting_items_and_their_sections_are_open_the_rest_folded() -> None:
    run = run_of(record("tls", "passed"), record("waf", "failed", line=12),
                 record("go", "awaiting", section="signoffs", awaiting=("risk",)),
                 record("ok", "passed", section="other"))
    shown = view.checklists(run)
    sections = re.findall(r'<details class="dc-section"( open)?><summary>([^<]*)', shown)
    assert sections == [(" open", "Security"), (" open", "Signoffs"), ("", "Other")]
    items = re.findall(r'<details class="dc-item"( open)?>', shown)
    assert items == ["", " open", " open", ""]


def test_critical_and_high_stand_out_and_medium_goes_unsaid() -> None:
    lines = {severity: view.item_line(record("x", "passed", severity=severity))
             for severity in ("critical", "high", "medium", "low")}
    assert '<span class="dc-sev dc-sev-critical">CRITICAL</span>' in lines["critical"]
    assert '<span class="dc-sev dc-sev-high">HIGH</span>' in lines["high"]
    assert "dc-sev" not in lines["medium"]
    assert '<span class="dc-sev dc-sev-low">low</span>' in lines["low"]


def test_who_signed_shows_principal_role_key_time_and_justification_escaped() -> None:
    line = view.item_line(record("pen-test", "passed", signoffs=(ANA,)))
    assert "approved by ana@example.com (security-lead) on 2026-11-23 10:00 UTC" in text(line)
    for fact in ("ana@example.com", "security-lead", "SHA256:k3y", "2026-11-23T10:00:00Z",
                 "2026-11-30T10:00:00Z", "pen test &lt;clean&gt;"):
        assert fact in line
    assert "<clean>" not in line


def test_a_page_pytest_html_did_not_write_is_left_as_it_is_and_says_what_was_missed() -> None:
    written = "<html><body><div class='other'>no data here</div></body></html>"
    changed, missed = page.in_release_words(written, run_of(record("tls", "passed")))
    assert changed == written
    assert missed == ("pytest-html's page has no data, no filters, no count, no filter list, "
                      "no sort order: its filters and counts keep pytest's words")


def test_an_item_on_many_hosts_folds_into_one_line_that_names_the_failing_hosts() -> None:
    hosts = [replace(record("disk", "failed" if n in (17, 402) else "passed", host=f"web-{n}",
                            group="web", host_order=n),
                     nodeid=f"checks/p.yaml::security::disk[web-{n}]") for n in range(1, 1001)]
    markup = view.checklists(run_of(*hosts))
    assert "disk web: 998/1,000 hosts passed — failing: web-17, web-402" in text(markup)
    assert "998 hosts passed" in text(markup)
    folded = markup.split("998 hosts passed")[0]  # the failing hosts come first, each a line
    assert "[web-17]" in folded
    assert "[web-402]" in folded
    assert "[web-3]" not in folded
