"""``--deploycheck-markdown PATH``: the checklists filled in, in the shape people
keep them in — a heading per checklist and section, a ☑/☐ table with a Notes column
(or ``- [x]`` lists), and a sign-off table — for release notes and CI job summaries::

    # Deployment checklists: payments 1.4.0 in production

    - ❌ **predeploy**: 41/45 passed — BLOCKED: 2 failed, 2 awaiting sign-off (…)

    ## Production Deployment Checklist

    ### Code Review & Testing

    | Item | Status | Notes |
    |------|--------|-------|
    | All code reviewed and approved | ☑ | approved by alice@example.com (dev-lead) … |
    | Unit tests passing (coverage > 80%) | ☐ failed | expected at least 80%, got 71.2% |
"""

from __future__ import annotations

import re

from ..gates import gates, host_groups, run_blockers
from ..record import ItemRecord, RunRecord, by_section
from .json import changes_of

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_MAX_NOTE = 600  # characters of notes in one cell: the JSON and HTML have everything


def _cell(text: str) -> str:
    """``text`` safe inside a table cell (and a list line): no pipe, no line break, no
    ``<`` that could open an HTML tag."""
    text = _TAG_START.sub("&lt;", text).replace("|", "\\|").replace("\r", "")
    if len(text) > _MAX_NOTE:
        text = text[:_MAX_NOTE - 1] + "…"
    return text.replace("\n", "<br>")


def notes(record: ItemRecord) -> str:
    """What a person reads beside the box: the evidence, or why it is not ticked."""
    if record.status == "passed":
        if record.signoffs:
            return "; ".join(f"{s.decision} by {s} on {s.issued_at} (key {s.fingerprint})"
                             + (f": {s.justification}" if s.justification else "")
                             for s in record.signoffs)
        return record.evidence_text
    parts = [record.message] if record.message else []
    if record.evidence and record.status in ("failed", "waived", "error"):
        parts.append(record.evidence_text)
    return " — ".join(p for p in parts if p)


def _status(record: ItemRecord) -> str:
    if record.status == "passed":
        return "☑"
    if record.status == "not_applicable":
        return "— not applicable"
    return f"☐ {record.label}"


def _url(url: str) -> str:
    """``url`` inside ``(<…>)`` in a table cell: no pipe, no angle bracket."""
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


def _title(record: ItemRecord) -> str:
    links = "".join(f" [{_cell(title).replace(']', chr(92) + ']')}](<{_url(url)}>)"
                    for title, url in record.links)
    return _cell(record.title) + (f" [{_cell(record.host)}]" if record.host else "") + links


def _list_line(record: ItemRecord) -> str:
    title = _title(record)
    note = _cell(notes(record))
    if record.status == "passed":
        return f"- [x] {title}" + (f" — {note}" if note else "")
    if record.status == "not_applicable":
        return f"- [ ] ~~{title}~~ — {note}"
    return f"- [ ] {title} — **{record.label}**" + (f": {note}" if note else "")


def _signoffs(records: list[ItemRecord]) -> list[str]:
    rows = []
    for record in records:
        for s in record.signoffs:
            verb = "waived" if s.kind == "waiver" else s.decision
            rows.append(f"| {_cell(s.role)} | {_cell(s.principal)} | `{s.fingerprint}` "
                        f"{verb} | {s.issued_at} | {s.expires_at} | `{record.ref}` | "
                        f"{_cell(s.justification)} |")
        if record.awaiting:
            rows.append(f"| {_cell(' or '.join(record.awaiting))} | — awaiting — | | | | "
                        f"`{record.ref}` | |")
    if not rows:
        return []
    return ["## Sign-offs", "",
            "| Role | Name | Signature | Date | Expires | Item | Justification |",
            "|------|------|-----------|------|---------|------|---------------|", *rows, ""]


def _changes(run: RunRecord) -> list[str]:
    found = changes_of(run)
    if found is None:
        return []
    out = [f"## Changes {_cell(found.summary())}", ""]
    for title, texts in found.lines():
        out += [f"**{_cell(title)}**", "", *(f"- {_cell(t)}" for t in texts), ""]
    return out


def render(run: RunRecord, style: str = "table") -> str:
    """The Markdown text (``style`` ``table`` or ``list``)."""
    out = [f"# Deployment checklists: {_cell(run.subject)}", ""]
    found = gates(run)
    for gate in found:
        out.append(f"- {'✅' if gate.ready else '❌'} **{gate.phase}**: "
                   f"{_cell(gate.line.split(': ', 1)[1])}")
    if not found:
        shut = run_blockers(run)
        out.append("- ❌ no checklist item ran" + (": " + _cell(", ".join(shut)) if shut else ""))
    out += [f"- {'✅' if not g.failing else '❌'} {_cell(g.text(name))}"
            for name, g in host_groups(run.items).items()]
    out.append("")
    facts = [f"commit `{run.commit}`"] if run.commit else []
    facts.append(f"run from {run.started} to {run.finished}")
    out += [" · ".join(facts), ""]
    files = [*run.checklists.items(), *run.signers_file.items(), *run.attestations.items()]
    if files:
        out += ["<details><summary>Files the outcome rests on</summary>", "",
                *(f"- `{path}` `{digest}`" for path, digest in files), "", "</details>", ""]
    several_phases = len(found) > 1
    for (_, checklist_title), sections in by_section(run.items).items():
        out += [f"## {_cell(checklist_title)}", ""]
        for (_, section_title), records in sections.items():
            heading = _cell(section_title)
            section_phases = {r.phase for r in records}
            if several_phases and len(section_phases) == 1:
                heading += f" ({records[0].phase})"
            out += [f"### {heading}", ""]
            if style == "list":
                out += [_list_line(r) for r in records]
            else:
                out += ["| Item | Status | Notes |", "|------|--------|-------|"]
                out += [f"| {_title(r)} | {_status(r)} | {_cell(notes(r))} |"
                        for r in records]
            out.append("")
    out += _changes(run)
    out += _signoffs(run.sorted_items())
    if run.contacts:
        out += ["## Emergency contacts", "", "| Role | Name | Phone | Email |",
                "|------|------|-------|-------|",
                *("| " + " | ".join(_cell(v) for v in c) + " |" for c in run.contacts), ""]
    return "\n".join(out).rstrip("\n") + "\n"
