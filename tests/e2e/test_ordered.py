"""Ordered sections are runbooks: in order, and a failed step blocks the rest."""

from __future__ import annotations

from helpers.project import Project

RUNBOOK = """
    checklist: rollback
    title: Rollback
    phase: rollback
    sections:
      - id: steps
        title: Rollback steps
        ordered: true
        items:
          - {id: stop-traffic, title: Stop traffic, check: {command: {run: ["true"]}}}
          - {id: restore-db, title: Restore database, check: {command: {run: ["false"]}}}
          - {id: redeploy, title: Redeploy previous version, check: {command: {run: ["true"]}}}
          - {id: verify, title: Verify, check: {command: {run: ["true"]}}}
      - id: after
        title: Independent checks
        items:
          - {id: notify, title: Notify, check: {command: {run: ["true"]}}}
    """


def test_steps_after_a_failed_step_are_skipped_as_blocked_by_it(project: Project) -> None:
    project.checklist(RUNBOOK)
    result = project.run("-v", "-rs")
    result.assert_outcomes(passed=2, failed=1, skipped=2)
    result.stdout.fnmatch_lines([
        "*::steps::stop-traffic PASSED*",
        "*::steps::restore-db FAILED*",
        "*::steps::redeploy SKIPPED (blocked by restore-db*",
        "*::steps::verify SKIPPED (blocked by restore-db*",
        "*::after::notify PASSED*",
    ])
    result.stdout.fnmatch_lines([
        "SKIPPED [1] checks/app.yaml:11: blocked by restore-db: an earlier step of this "
        "ordered section did not pass",
        "SKIPPED ?1? checks/app.yaml:12: blocked by restore-db: *",
    ])


def test_a_step_that_is_not_applicable_does_not_block(project: Project) -> None:
    project.config("environments: {demo: {}, production: {}}\ndefault_environment: demo\n")
    project.checklist(RUNBOOK.replace(
        "check: {command: {run: [\"false\"]}}",
        "only_in: [production], check: {command: {run: [\"false\"]}}"))
    result = project.run("-v")
    result.assert_outcomes(passed=4, skipped=1)


def test_unordered_sections_run_every_item(project: Project) -> None:
    project.checklist(RUNBOOK.replace("ordered: true", "ordered: false"))
    project.run().assert_outcomes(passed=4, failed=1)
