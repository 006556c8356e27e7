"""The run model in plain Python: a Run records each item (check, sign-offs, waiver, the
outcome rule, ordered runbooks, secrets) without any pytest run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers.servers import closed_port
from pytest_deploycheck.catalog import Catalog
from pytest_deploycheck.model import Item, Result, SignOff
from pytest_deploycheck.outcome import status_of
from pytest_deploycheck.project import Settings, load_project
from pytest_deploycheck.run import Case, Run

CHECKLIST = """
    checklist: app
    title: App
    phase: predeploy
    sections:
      - id: probes
        title: Probes
        items:
          - {id: here, title: A file here, check: {file: {path: checks/app.yaml}}}
          - {id: gone, title: A missing file, check: {file: {path: nope.txt}}}
          - {id: token, title: Token,
             check: {command: {run: [sh, -c, "echo ${env:TOKEN}; exit 1"]}}}
          - {id: prod, title: Prod only, only_in: [production], check: {file: {path: x}}}
          - {id: signed, title: Signed off, attest: {roles: [security-lead]}}
      - id: runbook
        title: Runbook
        ordered: true
        items:
          - {id: step-1, title: One, check: {tcp: {host: 127.0.0.1, port: PORT}}}
          - {id: step-2, title: Two, check: {file: {path: checks/app.yaml}}}
    """


@pytest.fixture
def items(tmp_path: Path) -> dict[str, Item]:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks/deploycheck.yaml").write_text(
        "project: payments\nrelease: 1.4.0\nenvironments: {staging: {}, production: {}}\n"
        "default_environment: staging\nroles: {security-lead: [alice@example.com]}\n")
    (tmp_path / "checks/allowed_signers").write_text("")  # nobody signed yet
    (tmp_path / "checks/app.yaml").write_text(
        textwrap.dedent(CHECKLIST).replace("PORT", str(closed_port())))
    return {i.id: i for i in Catalog(settings(tmp_path), tmp_path).items([tmp_path / "checks"])}


def settings(root: Path) -> Settings:
    return load_project(root / "checks/deploycheck.yaml", "checks/deploycheck.yaml",
                        "x").select(None, None)


def run_in(root: Path, **environ: str) -> Run:
    return Run.start(settings(root), root, concurrency=1, environ=environ)


def case(item: Item) -> Case:
    return Case(item, f"checks/app.yaml::{item.section}::{item.id}")


def test_an_item_passes_or_fails_with_its_evidence(tmp_path: Path, items: dict[str, Item]) -> None:
    run = run_in(tmp_path)
    passed = run.record(case(items["here"]))
    assert (passed.status, passed.title, passed.section_title) == ("passed", "A file here",
                                                                   "Probes")
    assert str(dict(passed.evidence)["path"]).endswith("checks/app.yaml")
    failed = run.record(case(items["gone"]))
    assert (failed.status, failed.message) == ("failed", "expected nope.txt to exist; it does "
                                                         "not")
    run.close()


def test_a_secret_the_check_reads_is_masked_in_the_record(
    tmp_path: Path, items: dict[str, Item]
) -> None:
    run = run_in(tmp_path, TOKEN="canary-v4lue", PATH="/usr/bin:/bin")
    run.prepare(items.values())
    record = run.record(case(items["token"]))
    assert record.status == "failed"
    assert "canary-v4lue" not in f"{record.message} {record.evidence}"
    assert dict(record.evidence)["stdout"] == "•••"
    run.close()


def test_a_manual_item_fails_closed_when_its_signers_cannot_be_read(
    tmp_path: Path, items: dict[str, Item]
) -> None:
    (tmp_path / "checks/allowed_signers").unlink()
    record = run_in(tmp_path).record(case(items["signed"]))
    assert (record.status, record.awaiting) == ("failed", ())
    assert record.message == ("no attestation for signed: needs approval by security-lead "
                              "(cannot read allowed_signers checks/allowed_signers: No such "
                              "file or directory)")


def test_a_manual_item_without_sign_offs_awaits_its_roles(
    tmp_path: Path, items: dict[str, Item]
) -> None:
    record = run_in(tmp_path).record(case(items["signed"]))
    assert record.status == "awaiting"
    assert record.awaiting == ("security-lead",)
    assert record.message.startswith("no attestation for signed: needs approval by "
                                     "security-lead")


def test_an_item_for_another_environment_is_not_applicable(
    tmp_path: Path, items: dict[str, Item]
) -> None:
    reason = items["prod"].not_applicable_in("staging")
    assert reason == "not applicable in environment 'staging' (only in production)"
    record = run_in(tmp_path).skipped(case(items["prod"]), reason)
    assert (record.status, record.label) == ("not_applicable", "not applicable")


def test_a_failed_step_blocks_the_rest_of_its_runbook(
    tmp_path: Path, items: dict[str, Item]
) -> None:
    run = run_in(tmp_path)
    assert run.blocked(case(items["step-1"])) is None
    assert run.record(case(items["step-1"])).status == "failed"
    blocked = run.blocked(case(items["step-2"]))
    assert blocked is not None
    assert (blocked.status, blocked.message) == (
        "blocked", "blocked by step-1: an earlier step of this ordered section did not pass")
    run.close()


def test_a_waiver_turns_a_failure_into_waived_never_passed() -> None:
    waiver = SignOff("bob@example.com", "release-manager", "SHA256:x", "approved",
                     "2026-12-01T10:00:00Z", "2026-12-03T10:00:00Z", "CDN cut-over tomorrow",
                     kind="waiver")
    assert status_of(Result(False, "expected status 200, got 503"), waiver) == (
        "waived", "waived by bob@example.com (release-manager) until 2026-12-03T10:00:00Z: "
                  "CDN cut-over tomorrow — the check found: expected status 200, got 503")
    assert status_of(Result(True, "ok"), waiver) == ("passed", "ok")
    assert status_of(Result(False, "needs approval", awaiting=("qa",))) == ("awaiting",
                                                                           "needs approval")


def test_a_step_selected_alone_is_blocked_naming_the_step_that_did_not_run(
    tmp_path: Path, items: dict[str, Item]
) -> None:
    record = run_in(tmp_path).blocked(case(items["step-2"]))
    assert record is not None
    assert (record.status, record.message) == (
        "blocked", "blocked by step-1: an earlier step of this ordered section did not run in "
                   "this run (run the whole section: -k runbook)")
