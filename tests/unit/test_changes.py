"""What changed between two run documents, without a run behind them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_deploycheck.changes import NotARun, compare, of_item, read_run

WAIVER = {"principal": "ana@x.test", "role": "release-manager", "fingerprint": "SHA256:a",
          "kind": "waiver"}
APPROVAL = {"principal": "bo@x.test", "role": "qa", "fingerprint": "SHA256:b",
            "kind": "attestation"}


def item(name: str, outcome: str, *, phase: str = "predeploy", digest: str = "sha256:1",
         signers: tuple[dict[str, str], ...] = (), host: str | None = None) -> dict[str, Any]:
    return {"checklist": "prod", "id": name, "title": name.upper(), "phase": phase,
            "outcome": outcome, "message": f"{name} is {outcome}", "digest": digest,
            "signers": list(signers), "host": host}


def run(*items: dict[str, Any], not_run: tuple[str, ...] = (),
        files: dict[str, str] | None = None) -> dict[str, Any]:
    return {"format": "pytest-deploycheck/1", "project": "p", "release": "1.0",
            "environment": "prod", "started": "2026-12-01T10:00:00Z", "items": list(items),
            "gates": [{"phase": "predeploy", "not_run": {"items": list(not_run)}}],
            "files": {"checklists": files or {}}}


def test_every_kind_of_change_is_named_once_in_its_place() -> None:
    before = run(item("a", "passed", signers=(APPROVAL,)), item("b", "failed"),
                 item("c", "waived", signers=(WAIVER,)), item("gone", "passed"),
                 item("skipped-now", "passed"), item("w", "passed", host="web-1"),
                 item("later", "failed", phase="rollback"),
                 files={"checks/p.yaml": "sha256:old", "checks/q.yaml": "sha256:q"})
    after = run(item("a", "awaiting", digest="sha256:2"), item("b", "passed"),
                item("c", "failed"), item("new", "passed"), item("w", "failed", host="web-1"),
                not_run=("prod::skipped-now",),
                files={"checks/p.yaml": "sha256:new", "checks/r.yaml": "sha256:r"})
    found = compare(before, after)
    assert [c.ref for c in found.newly_failing] == ["prod::a", "prod::c", "prod::w[web-1]"]
    assert [c.ref for c in found.newly_passing] == ["prod::b"]
    assert [c.ref for c in found.edited] == ["prod::a"]
    assert [c.ref for c in found.added] == ["prod::new"]
    assert [c.ref for c in found.removed] == ["prod::gone"]  # not the one deselected now,
    assert [c.ref for c in found.signoffs_lost] == ["prod::a"]  # nor another phase's
    assert found.signoffs_lost[0].text() == (
        "prod::a (A): passed → awaiting sign-off — bo@x.test (qa) with key SHA256:b no longer "
        "counts: a is awaiting")
    assert [c.ref for c in found.waivers_lapsed] == ["prod::c"]
    assert found.files == ["checks/p.yaml: changed (sha256:old… → sha256:new…)",
                           "checks/q.yaml: removed", "checks/r.yaml: added"]
    assert found.summary() == (
        "since p 1.0 in prod, run 2026-12-01T10:00:00Z: 3 newly failing, 1 newly passing, "
        "1 edited, 1 added, 1 removed, 1 sign-offs that no longer count, 1 waivers that "
        "lapsed, 3 files changed")
    assert of_item(before, after["items"][0]) == ["newly failing", "edited",
                                                 "sign-offs that no longer count"]


def test_the_same_run_twice_has_no_changes() -> None:
    same = run(item("a", "passed"), item("b", "failed"))
    found = compare(same, json.loads(json.dumps(same)))
    assert not found
    assert found.summary().endswith(": no changes")


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff", "run.json: cannot read it: not UTF-8 text: byte 0xff at line 1, column 1"),
    (b"[1, 2", "run.json:1:6: not JSON: Expecting ',' delimiter"),
    (b"[]", "run.json: not the JSON of a deploycheck run (format 'list', expected "
            "'pytest-deploycheck/1'; write one with --deploycheck-json)"),
    (b'{"format": "pytest-deploycheck/1"}', "run.json: the run document has no list of items"),
], ids=["not text", "not JSON", "not a mapping", "no items"])
def test_what_is_not_a_runs_json_is_refused_naming_the_file(tmp_path: Path, content: bytes,
                                                             message: str) -> None:
    (tmp_path / "run.json").write_bytes(content)
    with pytest.raises(NotARun) as caught:
        read_run(tmp_path / "run.json", "run.json")
    assert str(caught.value) == message
