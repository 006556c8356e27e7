"""Item records and gates, as plain data: no pytest run."""

from __future__ import annotations

import functools
import json

from pytest_deploycheck.gates import gates, ready
from pytest_deploycheck.model import SignOff
from pytest_deploycheck.record import ItemRecord, Planned, RunRecord

ALICE = SignOff("alice@example.com", "security-lead", "SHA256:abc", "approved",
               "2026-11-23T10:00:00Z", "2026-11-30T10:00:00Z", "Pen test passed")


def record(item: str, status: str, phase: str = "predeploy", **more: object) -> ItemRecord:
    return ItemRecord(nodeid=f"checks/p.yaml::s::{item}", checklist="production",
                      checklist_title="Production", section="s", section_title="S", id=item,
                      title=item.title(), phase=phase, kind="manual", path="checks/p.yaml",
                      line=10, section_line=5, status=status, **more)  # type: ignore[arg-type]


def plan(*refs: str, phase: str = "predeploy") -> dict[str, Planned]:
    """What the gates wait for: ``refs`` (``production::a``) of ``phase``, not run yet."""
    return {ref: Planned(phase, functools.partial(record, ref.split("::")[1], "not_run",
                                                  phase)) for ref in refs}


def test_a_record_crosses_processes_as_json_and_comes_back_equal() -> None:
    original = record("sign", "passed", tags=("security",), evidence=(("status", 200),
                      ("latency", "12 ms")), signoffs=(ALICE,), awaiting=("risk",),
                      duration=0.25, attempts=2)
    wire = json.loads(json.dumps(original.to_wire()))  # only plain JSON types on the wire
    assert ItemRecord.from_wire(wire) == original


def test_the_gate_line_counts_and_names_what_blocks() -> None:
    run = RunRecord(project="payments", release="1.4.0", environment="production", items=[
        record("a", "passed"), record("b", "failed"), record("c", "waived"),
        record("d", "not_applicable"), record("e", "awaiting", awaiting=("security-lead",)),
        record("f", "awaiting", awaiting=("risk-management", "security-lead"))])
    (gate,) = gates(run)
    assert gate.line == (
        "predeploy: 1/5 passed, 1 waived, 1 not applicable — BLOCKED: 1 failed, "
        "2 awaiting sign-off (security-lead, risk-management)")
    assert not ready(run)


def test_waived_and_not_applicable_items_leave_the_gate_ready() -> None:
    run = RunRecord(items=[record("a", "passed"), record("b", "waived"),
                           record("c", "not_applicable")])
    (gate,) = gates(run)
    assert gate.line == "predeploy: 1/2 passed, 1 waived, 1 not applicable — READY"
    assert ready(run)


def test_a_run_that_stopped_early_or_met_a_broken_checklist_is_never_ready() -> None:
    run = RunRecord(items=[record("a", "passed")], stopped_early=True,
                    broken={"checks/bad.yaml": "checks/bad.yaml:1:1: invalid YAML"})
    (gate,) = gates(run)
    assert gate.line == (
        "predeploy: 1/1 passed — BLOCKED: 1 checklist with mistakes (checks/bad.yaml), "
        "the run stopped before every item ran")
    assert not ready(run)
    assert not ready(RunRecord())  # nothing ran: nothing is ready


def test_a_phase_with_items_that_did_not_run_is_incomplete_never_ready() -> None:
    run = RunRecord(items=[record("a", "passed")], selection=["-k a", "-m predeploy"],
                    expected={**plan("production::a", "production::b", "production::c"),
                              **plan("production::d", phase="rollback")})
    (gate,) = gates(run)
    assert gate.line == ("predeploy: 1/1 passed — INCOMPLETE: 2 of 3 items not run "
                         "(deselected by -k a)")
    assert (gate.verdict, gate.not_run) == ("INCOMPLETE", ("production::b", "production::c"))
    assert not ready(run)


def test_a_skipped_item_is_not_run_and_a_failure_still_blocks() -> None:
    run = RunRecord(items=[record("a", "failed"), record("b", "skipped")],
                    expected=plan("production::a", "production::b"))
    (gate,) = gates(run)
    assert gate.line == "predeploy: 0/2 passed, 1 skipped — BLOCKED: 1 failed, 1 of 2 items " \
                        "not run (1 skipped)"


def test_every_item_that_applies_ran_and_passed_is_ready() -> None:
    run = RunRecord(items=[record("a", "passed"), record("b", "waived")],
                    expected=plan("production::a", "production::b"),
                    selection=["-m predeploy"])
    (gate,) = gates(run)
    assert (gate.line, gate.ready) == ("predeploy: 1/2 passed, 1 waived — READY", True)
