"""The pytest-html report (``--html=report.html --self-contained-html``) as the
release's evidence: a title naming project, release and environment; the files
the outcome rests on, with their digests, in the Environment table; a readiness
bar per phase at the top of the summary; columns Item, Phase, Section, Kind and
Evidence / Attested by; and, under each item, its evidence and every signer's
principal, role, key fingerprint, issue and expiry.

These functions render HTML from records; ``plugin/html.py`` hands them to pytest-html.
Styles are inline, so the one self-contained file shows the same anywhere.
"""

from __future__ import annotations

import html
from typing import Any

from ..gates import Tally, gates, host_groups, run_blockers
from ..outcome import LABELS, STATUSES
from ..record import ItemRecord, RunRecord

COLORS = {"passed": "#2e7d32", "failed": "#c62828", "error": "#6d1b1b",
          "awaiting": "#ef8f00", "invalid": "#ad1457", "waived": "#7b1fa2", "blocked": "#8d6e63",
          "not_applicable": "#b0bec5", "skipped": "#90a4ae", "not_run": "#757575"}
_TEXT = "color:#222"
_CELL = ("padding:3px 8px;border:1px solid #e0e0e0;vertical-align:top;text-align:left;"
         "color:#222")
# The verdict first: the summary (readiness, then pytest-html's counts and filters) moves
# above the Environment table. Only order changes; without it the page reads as usual.
_SUMMARY_FIRST = ("<style>body{display:flex;flex-direction:column;align-items:flex-start}"
                  "body>h1{order:-3}body>p:first-of-type{order:-2}"
                  "body>.summary{order:-1;align-self:stretch}"
                  "body>#results-table{align-self:stretch;margin-top:12px}</style>")
_VERDICT_COLORS = {"READY": "passed", "INCOMPLETE": "awaiting", "BLOCKED": "failed"}
_EVIDENCE_CELL_MAX = 160  # characters in the table; the full evidence is under the row


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


# -- the readiness summary ---------------------------------------------------------


def bar(counts: Tally) -> str:
    """A horizontal bar, one coloured segment per outcome, as wide as its share."""
    total = sum(counts.counts.values()) or 1
    segments = "".join(
        f'<div title="{counts.counts[s]} {LABELS[s]}" '
        f'style="width:{100 * counts.counts[s] / total:.2f}%;background:{COLORS[s]}"></div>'
        for s in STATUSES if counts.counts[s])
    return (f'<div class="deploycheck-bar" style="display:flex;height:16px;min-width:240px;'
            f'border-radius:3px;overflow:hidden;background:#eee">{segments}</div>')


def readiness(run: RunRecord) -> str:
    """The block at the top of the summary: a gate per phase, drawn as bars."""
    rows = []
    for gate in gates(run):
        phase, counts, blockers = gate.phase, gate.tally, gate.reasons
        verdict, color = gate.verdict, COLORS[_VERDICT_COLORS[gate.verdict]]
        numbers = " · ".join(f'<span style="color:{COLORS[s]};font-weight:bold">'
                             f"{counts.counts[s]}</span> {LABELS[s]}"
                             for s in STATUSES if counts.counts[s])
        why = f'<div style="color:{color}">{esc(", ".join(blockers))}</div>' \
            if blockers else ""
        rows.append(
            f'<tr><td style="{_CELL};font-weight:bold;font-size:14px">{esc(phase)}</td>'
            f'<td style="{_CELL}"><span style="background:{color};color:#fff;padding:2px 8px;'
            f'border-radius:3px;font-weight:bold">{verdict}</span></td>'
            f'<td style="{_CELL};width:45%">{bar(counts)}</td>'
            f'<td style="{_CELL}">{counts.counts["passed"]}/{counts.applicable} passed'
            f'<div>{numbers}</div>{why}</td></tr>')
    if not rows:
        rows.append(f'<tr><td style="{_CELL}" colspan="4">no checklist item ran: '
                    f'{esc(", ".join(run_blockers(run)))}</td></tr>')
    legend = " ".join(
        f'<span style="white-space:nowrap;margin-right:10px"><span style="display:inline-block;'
        f'width:10px;height:10px;background:{COLORS[s]};margin-right:4px"></span>'
        f"{LABELS[s]}</span>" for s in STATUSES)
    hosts = ""
    groups = host_groups(run.items)
    if groups:
        hosts = ('<p style="color:#222"><b>Hosts:</b> ' + "; ".join(
            f'<span style="color:{COLORS["failed"] if g.failing else COLORS["passed"]}">'
            f"{esc(g.text(name))}</span>" for name, g in groups.items()) + "</p>")
    return (f'{_SUMMARY_FIRST}<div class="deploycheck-readiness" style="{_TEXT};margin:8px 0 16px">'
            f'<h2>Gates</h2><table style="border-collapse:collapse;min-width:70%">'
            f'{"".join(rows)}</table>'
            f'<p style="color:#555;margin-top:6px">{legend}</p>{hosts}</div>')


def contacts(run: RunRecord) -> str:
    """The emergency contacts of the config, as a table (nothing when there are none)."""
    if not run.contacts:
        return ""
    return (f'<p style="{_TEXT};font-weight:bold;margin-bottom:2px">Emergency contacts</p>'
            + _table(["role", "name", "phone", "email"],
                     [[esc(v) for v in c] for c in run.contacts]))


# -- the results table -------------------------------------------------------------

HEADER = [
    '<th class="sortable" data-column-type="item">Item</th>',
    '<th class="sortable" data-column-type="phase">Phase</th>',
    '<th class="sortable" data-column-type="section">Section</th>',
    '<th class="sortable" data-column-type="kind">Kind</th>',
    "<th>Evidence / Attested by</th>",
]


def _short(text: str) -> str:
    return text if len(text) <= _EVIDENCE_CELL_MAX else text[:_EVIDENCE_CELL_MAX - 1] + "…"


def evidence_cell(record: ItemRecord) -> str:
    """A few lines: why it failed, who signed or is awaited, the first facts found; led
    by the outcome where pytest-html's Result column cannot say it (awaiting, waived …)."""
    status, label, message = record.status, record.label, record.message
    color = COLORS[status]
    lines = []
    if status in ("failed", "error"):
        lines.append(f'<span style="color:{color}">{esc(_short(message))}</span>')
    elif record.awaiting:
        lines.append(f'<b style="color:{color}">{esc(label)}</b> from '
                     f"{esc(' or '.join(record.awaiting))}")
    elif status != "passed":  # "not applicable in environment …", "waived by …", "blocked by …"
        rest = message[len(label):] if message.startswith(label) else ""
        lines.append(f'<b style="color:{color}">{esc(label)}</b>{esc(_short(rest))}')
    if status != "waived":  # the waiver's own line names who waived it
        for s in record.signoffs:
            lines.append(f"{esc(s.decision)} by {esc(s)}")
    if not record.signoffs and record.evidence and status != "waived":
        lines.append(esc(_short(record.evidence_text)))
    return "<br>".join(lines)


def row_cells(record: ItemRecord | None) -> list[str]:
    if record is None:
        return [f'<td class="col-{name}"></td>' for name in
                ("item", "phase", "section", "kind", "evidence")]
    host = f" [{esc(record.host)}]" if record.host else ""
    return [f'<td class="col-item">{esc(record.title)}{host}</td>',
            f'<td class="col-phase">{esc(record.phase)}</td>',
            f'<td class="col-section">{esc(record.section_title)}</td>',
            f'<td class="col-kind">{esc(record.kind)}</td>',
            f'<td class="col-evidence">{evidence_cell(record)}</td>']


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f'<th style="{_CELL};background:#f4f4f4">{esc(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{c}</td>' for c in row) + "</tr>"
                   for row in rows)
    head_row = f"<tr>{th}</tr>" if th else ""
    return f'<table style="border-collapse:collapse;margin:4px 0 8px">{head_row}{body}</table>'


def details(record: ItemRecord) -> str:
    """Everything the item's record holds that its row does not show, under the row:
    the message when the row had to cut it short, the evidence, who signed, where."""
    parts = []
    shown_whole = record.status in ("failed", "error", "not_applicable", "waived", "blocked") \
        and len(record.message) <= _EVIDENCE_CELL_MAX
    if record.message and record.status != "passed" and not shown_whole:
        parts.append(f'<p style="{_TEXT}">{esc(record.message)}</p>')
    evidence = record.evidence
    if evidence:
        parts.append(f'<p style="{_TEXT};font-weight:bold">Evidence</p>' + _table(
            [], [[f"<b>{esc(k)}</b>", f"<code>{esc(v)}</code>"] for k, v in evidence]))
    if record.signoffs:
        parts.append(f'<p style="{_TEXT};font-weight:bold">Signed</p>' + signed_table(record))
    parts.append(f'<p style="color:#555">{esc(facts(record))}</p>')
    return f'<div class="deploycheck-details">{"".join(parts)}</div>'


def signed_table(record: ItemRecord) -> str:
    """Who signed the item: principal, role, decision, key, when, why."""
    return _table(
        ["principal", "role", "decision", "key fingerprint", "issued", "expires",
         "justification"],
        [[esc(s.principal), esc(s.role), esc("waiver" if s.kind == "waiver" else s.decision),
          f"<code>{esc(s.fingerprint)}</code>", esc(s.issued_at), esc(s.expires_at),
          esc(s.justification)] for s in record.signoffs])


def facts(record: ItemRecord) -> str:
    """``host web-1 (group web) · checks/p.yaml:12 · http · severity high · owner …``."""
    found = [f"{record.path}:{record.line}", record.kind, f"severity {record.severity}"]
    if record.host:
        found.insert(0, f"host {record.host} (group {record.group})")
    if record.owner:
        found.append(f"owner {record.owner}")
    if record.tags:
        found.append("tags " + ", ".join(record.tags))
    if record.attempts > 1:
        found.append(f"{record.attempts} attempts")
    return " · ".join(found)


def extras(record: ItemRecord, make: Any) -> list[Any]:
    """What pytest-html shows with the item's row (``make``: ``pytest_html.extras``): its
    details under the row, its links in the Links column (escaped here: pytest-html puts
    a link's address and name into its page as they are)."""
    return [make.html(details(record)),
            *(make.url(esc(url), name=esc(title)) for title, url in record.links)]


def log_box(sections: list[tuple[str, str]]) -> list[str]:
    """The lines of an item's log box in pytest-html: what was captured, as pytest-html
    shows it — not the failure or the evidence its details show already, nor pytest's own
    text for a skip or a waiver. Nothing captured: no box."""
    return [f"{' ' + esc(title) + ' ':-^80}\n{esc(content)}" for title, content in sections
            if title not in ("evidence", "signed")]


def metadata(run: RunRecord) -> dict[str, str | dict[str, str]]:
    """What the Environment table adds, HTML-escaped (pytest-html shows it as HTML)."""
    found = {"Project": run.project, "Release": run.release or "(not set)",
             "Environment": run.environment, "Commit": run.commit or "(not bound)",
             "Checklists": run.checklists, "Allowed signers": run.signers_file or "none",
             "Attestations": run.attestations or "none"}
    return {key: ({esc(k): esc(v) for k, v in value.items()} if isinstance(value, dict)
                  else esc(value)) for key, value in found.items()}


def title(run: RunRecord) -> str:
    return f"Deployment checklists: {run.subject}"
