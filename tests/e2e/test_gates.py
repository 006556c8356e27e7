"""The gate tells the whole truth: READY only when every item of the phase that applies
ran and passed; what a selection left out makes it INCOMPLETE, in every report; the
steps of a runbook run only after the steps before them, in the same run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.project import Project, assert_clean, checklist_of

CHECKLIST = """
    checklist: app
    title: App
    phase: predeploy
    sections:
      - id: s
        title: S
        items:
          - {id: path-set, title: PATH set, check: {env: {names: [PATH]}}}
          - {id: home-set, title: HOME set, check: {env: {names: [HOME]}}}
          - {id: nope, title: Nope, check: {env: {names: [DC_NOT_SET_ANYWHERE]}}}
          - {id: prod, title: Prod only, only_in: [production], check: {env: {names: [X]}}}
      - id: rollback
        title: Rollback
        phase: rollback
        ordered: true
        items:
          - {id: step-one, title: One, check: {env: {names: [PATH]}}}
          - {id: step-two, title: Two, check: {env: {names: [PATH]}}}
    """


@pytest.fixture
def app(project: Project) -> Project:
    project.config("environments: {demo: {}, production: {}}\ndefault_environment: demo\n")
    project.checklist(CHECKLIST)
    return project


@pytest.mark.parametrize("spread", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_selection_that_leaves_items_out_is_incomplete_never_ready(
    app: Project, spread: list[str], tmp_path: Path
) -> None:
    result = app.run("-m", "predeploy", "-k", "path-set", *spread,
                     f"--deploycheck-json={tmp_path / 'run.json'}",
                     f"--deploycheck-markdown={tmp_path / 'run.md'}")
    assert_clean(result)
    assert result.ret == 0  # pytest's own exit code stays the default
    result.stdout.fnmatch_lines(["predeploy: 1/1 passed — INCOMPLETE: 2 of 3 items not run "
                                 "(deselected by -k path-set)"])
    document = json.loads((tmp_path / "run.json").read_text())
    (gate,) = document["gates"]
    assert (document["ready"], gate["ready"], gate["verdict"]) == (False, False, "INCOMPLETE")
    assert gate["not_run"] == {"count": 2, "items": ["app::home-set", "app::nope"],
                               "why": "deselected by -k path-set"}
    assert ("- ❌ **predeploy**: 1/1 passed — INCOMPLETE: 2 of 3 items not run (deselected "
            "by -k path-set)") in (tmp_path / "run.md").read_text()


def test_require_complete_makes_an_incomplete_gate_exit_1(app: Project) -> None:
    assert app.run("-m", "predeploy", "-k", "path-set", "--deploycheck-require-complete"
                   ).ret == 1
    complete = app.run("-m", "rollback", "--deploycheck-require-complete")
    complete.stdout.fnmatch_lines(["rollback: 2/2 passed — READY"])
    assert complete.ret == 0


@pytest.mark.parametrize(("args", "why"), [
    (["--deselect", "checks/app.yaml::s::nope"], "deselected by --deselect"),
    (["checks/app.yaml::s::path-set"], "deselected by checks/app.yaml::s::path-set"),
])
def test_every_way_of_leaving_items_out_is_named(app: Project, args: list[str],
                                                 why: str) -> None:
    result = app.run("-m", "predeploy", *args)
    result.stdout.fnmatch_lines([f"predeploy: * — INCOMPLETE: * items not run ({why})"])


def test_an_item_skipped_by_a_mark_is_not_run(app: Project) -> None:
    app.write("conftest.py", """
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                if item.name == "nope":
                    item.add_marker(pytest.mark.skip(reason="not today"))
        """)
    result = app.run("-m", "predeploy")
    result.stdout.fnmatch_lines(["predeploy: 2/3 passed, 1 not applicable, 1 skipped — "
                                 "INCOMPLETE: 1 of 3 items "
                                 "not run (1 skipped)"])


def test_the_html_report_says_incomplete(app: Project, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    app.run("-m", "predeploy", "-k", "path-set", f"--html={report}", "--self-contained-html")
    page = report.read_text()
    assert ">INCOMPLETE</span>" in page
    assert "2 of 3 items not run (deselected by -k path-set)" in page


@pytest.mark.parametrize("spread", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_runbook_step_selected_alone_is_blocked(app: Project, spread: list[str]) -> None:
    result = app.run("-m", "rollback", "-k", "step-two", "-rs", *spread)
    result.assert_outcomes(skipped=1, deselected=0 if spread else 5)  # xdist counts none
    result.stdout.fnmatch_lines([
        "rollback: 0/1 passed — BLOCKED: 1 blocked, 1 of 2 items not run (deselected by -k "
        "step-two)",
        "SKIPPED ?1? checks/app.yaml:*: blocked by step-one: an earlier step of this ordered "
        "section did not run in this run (run the whole section: -k rollback)"])
    whole = app.run("-m", "rollback", "-k", "rollback", *spread)
    whole.assert_outcomes(passed=2, deselected=0 if spread else 4)


ROLES_CONFIG = """
    roles:
      qa-lead: [qa@example.com]
      sre-lead: [sre@example.com]
      release-manager: []
    """


def test_require_is_a_count_per_role_said_in_the_failure(project: Project) -> None:
    project.config(ROLES_CONFIG)
    project.checklist(checklist_of(
        "{id: go, title: Go, attest: {require: {qa-lead: 1, sre-lead: 1}}}", checklist="c"))
    project.write("checks/allowed_signers", "")
    result = project.run()
    result.stdout.fnmatch_lines([
        "no attestation for go: needs approval by 1 qa-lead and 1 sre-lead (different people)",
        "  qa-lead: c::go", "  sre-lead: c::go"])


def test_a_role_the_config_does_not_have_is_a_collection_error(project: Project) -> None:
    project.config(ROLES_CONFIG)
    project.checklist(checklist_of(
        "{id: a, title: A, attest: {roles: [qa-leed]}}",
        "{id: b, title: B, attest: {require: {sre-leed: 1}}}",
        "{id: c, title: C, attest: {roles: [qa-lead], require: {sre-lead: 1}}}"))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines([
        "  checks/app.yaml:8:*: item 'a', field 'attest.roles[[]0]': unknown role 'qa-leed' — "
        "did you mean 'qa-lead'?",
        "  checks/app.yaml:9:*: item 'b', field 'attest.require.sre-leed': unknown role "
        "'sre-leed' — did you mean 'sre-lead'?",
        "  checks/app.yaml:10:*: item 'c', field 'attest': give 'roles' (and a 'quorum') or "
        "'require' (a count per role), not both"])


def test_a_role_nobody_holds_is_a_collection_warning(project: Project) -> None:
    project.config(ROLES_CONFIG)
    project.checklist(checklist_of("{id: a, title: A, attest: {roles: [release-manager]}}"))
    result = project.run("--collect-only")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "*DeploycheckWarning: checks/app.yaml:8:*: item 'a', field 'attest.roles[[]0]': role "
        "'release-manager' has no holder: nobody can sign this item — name its principals "
        "under roles.release-manager in the project config"])


def test_a_checklist_the_run_did_not_collect_still_counts_for_the_gate(app: Project) -> None:
    app.checklist(checklist_of("{id: other, title: Other, check: {env: {names: [PATH]}}}",
                               checklist="other"), name="other")
    result = app.run("checks/app.yaml", "-m", "predeploy", "-k", "not nope")
    result.stdout.fnmatch_lines(["predeploy: 2/2 passed, 1 not applicable — INCOMPLETE: 2 of 4 "
                                 "items not run (deselected by -k not nope and checks/app.yaml)"])
    app.write("checks/other.yaml", "checklist: other\ntitle: Other\nsections: nope\n")
    result = app.run("checks/app.yaml", "-m", "predeploy", "-k", "not nope")
    result.stdout.fnmatch_lines(["predeploy: 2/2 passed, 1 not applicable — BLOCKED: 1 "
                                 "checklist with mistakes (checks/other.yaml), 1 of 3 items "
                                 "not run (deselected by -k not nope and checks/app.yaml)"])
