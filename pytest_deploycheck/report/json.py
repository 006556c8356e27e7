"""``--deploycheck-json PATH``: the run as one JSON document, for tools.

Its shape (``format`` changes only when a field changes meaning or goes away)::

    {
      "format": "pytest-deploycheck/1",
      "project": "payments", "release": "1.4.0", "commit": null,
      "environment": "production",
      "started": "2026-11-25T10:00:00Z", "finished": "2026-11-25T10:00:04Z",
      "exit_status": 1,
      "ready": false,
      "gates": [{"phase": "predeploy", "ready": false, "verdict": "BLOCKED",
                 "applicable": 45, "planned": 47,
                 "not_run": {"count": 2, "items": ["production::cdn",
                                                   "production::waf"],
                             "why": "deselected by -k ssl"},
                 "counts": {"passed": 41, "failed": 2, "awaiting": 2, …},
                 "awaiting": {"security-lead": ["production::security-signoff"]},
                 "summary": "predeploy: 41/45 passed — BLOCKED: …"}],
      "files": {"checklists": {"checks/production.yaml": "sha256:…"},
                "allowed_signers": {…}, "attestations": {…}},
      "host_groups": {"web": {"hosts": ["web-1", "web-2"], "passed": 1, "failing": ["web-2"]}},
      "broken_checklists": [{"path": "checks/x.yaml", "mistake": "checks/x.yaml:3:1: …"}],
      "stopped_early": false,
      "changes": null,
      "items": [{"nodeid": "checks/production.yaml::security::security-signoff",
                 "id": "security-signoff", "title": "Security team sign-off",
                 "checklist": "production", "checklist_title": "…",
                 "section": "security", "section_title": "Security",
                 "phase": "predeploy", "tags": ["security"], "kind": "manual",
                 "severity": "high", "owner": null,
                 "outcome": "passed", "message": "approved by …",
                 "evidence": {"status": 200, "latency": "12 ms"},
                 "signers": [{"principal": "…", "role": "…", "fingerprint": "SHA256:…",
                              "decision": "approved", "kind": "attestation",
                              "issued_at": "…", "expires_at": "…", "justification": "…"}],
                 "awaiting": [], "host": null, "group": null,
                 "file": "checks/production.yaml", "line": 12,
                 "duration": 0.012, "attempts": 1,
                 "links": [{"title": "Runbook", "url": "https://…"}],
                 "digest": "sha256:…"}]
    }

``changes`` is null unless ``--deploycheck-compare EARLIER.json`` names an earlier run:
then it says what changed since (``before``: that run; ``newly_failing``,
``newly_passing``, ``edited``, ``added``, ``removed``, ``signoffs_lost``,
``waivers_lapsed``: lists of ``{item, title, before, after, note}``; ``files``: lines).

A gate's ``verdict`` is READY (every applicable item of the phase ran and passed or was
waived), INCOMPLETE (nothing blocks, but ``not_run`` lists items that did not run) or
BLOCKED; ``ready`` is true for READY alone. ``outcome`` is one of passed, failed,
awaiting (a manual item still needs a sign-off from a role in ``awaiting``), invalid (an
entry that is not authentic claims to sign the item off), waived, blocked, not_applicable,
skipped, error.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ..changes import Changes, compare
from ..gates import gates, host_groups, ready
from ..outcome import STATUSES
from ..record import ItemRecord, RunRecord

FORMAT = "pytest-deploycheck/1"


def item_data(record: ItemRecord) -> dict[str, Any]:
    return {
        "nodeid": record.nodeid, "id": record.id, "title": record.title,
        "checklist": record.checklist, "checklist_title": record.checklist_title,
        "section": record.section, "section_title": record.section_title,
        "phase": record.phase, "tags": list(record.tags), "kind": record.kind,
        "severity": record.severity, "owner": record.owner or None,
        "outcome": record.status, "message": record.message,
        "evidence": dict(record.evidence),
        "signers": [asdict(s) for s in record.signoffs],
        "awaiting": list(record.awaiting),
        "host": record.host or None, "group": record.group or None,
        "file": record.path, "line": record.line,
        "duration": round(record.duration, 3), "attempts": record.attempts,
        "links": [{"title": title, "url": url} for title, url in record.links],
        "digest": record.digest,
    }


def changes_of(run: RunRecord) -> Changes | None:
    """What changed since the earlier run of ``--deploycheck-compare``, if there is one:
    compared once, when the first report asks (every report of the finished run says it)."""
    if run.previous is None:
        return None
    if run.changes is None:
        run.changes = compare(run.previous, document(run, changes=False))
    return run.changes


def document(run: RunRecord, *, changes: bool = True) -> dict[str, Any]:
    gate_data = [{
        "phase": gate.phase,
        "ready": gate.ready,
        "verdict": gate.verdict,
        "applicable": gate.tally.applicable,
        "planned": gate.planned,
        "not_run": {"count": len(gate.not_run), "items": list(gate.not_run),
                    "why": gate.why_not_run},
        "counts": {s: gate.tally.counts[s] for s in STATUSES},
        "awaiting": gate.tally.awaiting,
        "summary": gate.line,
    } for gate in gates(run)]
    return {
        "format": FORMAT,
        "project": run.project, "release": run.release, "commit": run.commit,
        "environment": run.environment, "started": run.started, "finished": run.finished,
        "exit_status": run.exit_status,
        "ready": ready(run),
        "gates": gate_data,
        "files": {"checklists": run.checklists, "allowed_signers": run.signers_file,
                  "attestations": run.attestations},
        "contacts": [dict(zip(("role", "name", "phone", "email"), c, strict=True))
                     for c in run.contacts],
        "host_groups": {name: {"hosts": g.hosts, "passed": g.passed, "failing": g.failing}
                        for name, g in host_groups(run.items).items()},
        "broken_checklists": [{"path": path, "mistake": mistake}
                              for path, mistake in run.broken.items()],
        "stopped_early": run.stopped_early,
        "items": [item_data(r) for r in run.sorted_items()],
        **({"changes": since.to_json() if (since := changes_of(run)) is not None else None}
           if changes else {}),
    }


def render(run: RunRecord) -> str:
    return json.dumps(document(run), indent=2, ensure_ascii=False) + "\n"
