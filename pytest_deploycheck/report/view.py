"""The checklist view: the top of the HTML report, read like the checklists people keep,
filled in.

First one headline — ``GO`` or ``NO-GO``, with the release, environment, commit and
time — then what blocks the release (each blocking item, linked to its line) and who is
awaited; then the gates per phase; then every checklist in its own order, section by
section, one line per item: a box and the status in the report's words, the title, the
severity where it matters (critical and high stand out), the evidence line or who signed,
and its links. Sections fold (``<details>``, no script); sections and items that failed,
await a sign-off or broke are open. Items a gate waits for that did not run are listed
too, as ``not run``.
"""

from __future__ import annotations

from ..gates import gates, host_groups, ready, run_blockers, tally
from ..outcome import BLOCKING, LABELS
from ..record import ItemRecord, RunRecord, by_section
from . import html
from .html import COLORS, esc
from .json import changes_of

# a box per status, like the ticks of a checklist kept by hand
GLYPHS = {"passed": "☑", "failed": "☒", "awaiting": "☐", "invalid": "⚠", "waived": "☑",
          "blocked": "⛔", "not_applicable": "—", "skipped": "↷", "error": "☒",
          "not_run": "○"}
OPEN = ("failed", "awaiting", "invalid", "error")  # items shown open: what needs a person
_MAX_BLOCKERS = 25  # blocking items listed in the headline; the checklists list them all
_STYLE = """<style>
.dc-view{color:#222;margin:8px 0 16px;font-size:13px}
.dc-headline{display:flex;align-items:baseline;gap:14px;flex-wrap:wrap;padding:10px 14px;
  border-radius:4px;border:2px solid var(--dc);background:#fafafa}
.dc-verdict{font-size:28px;font-weight:bold;color:#fff;background:var(--dc);padding:2px 14px;
  border-radius:4px;letter-spacing:1px}
.dc-subject{font-size:18px;font-weight:bold}
.dc-facts{color:#444}
.dc-why{margin:8px 0 0;padding-left:18px}
.dc-why li{margin:2px 0}
.dc-checklist{margin:14px 0 4px;font-size:17px}
.dc-count{font-weight:normal;color:#555;font-size:13px;margin-left:8px}
details.dc-section{margin:2px 0 2px 4px;border-left:3px solid #e0e0e0;padding-left:8px}
details.dc-section>summary{cursor:pointer;font-weight:bold;padding:3px 0}
ul.dc-items{list-style:none;margin:2px 0 6px;padding-left:6px}
ul.dc-items>li{margin:1px 0}
.dc-item>summary{cursor:pointer;padding:2px 0;list-style-position:outside}
.dc-status{display:inline-block;min-width:150px;font-weight:bold}
.dc-sev{display:inline-block;font-size:11px;font-weight:bold;padding:0 5px;border-radius:3px;
  margin-left:6px;vertical-align:1px}
.dc-sev-critical{background:#b71c1c;color:#fff}
.dc-sev-high{background:#e65100;color:#fff}
.dc-sev-low,.dc-sev-medium{color:#888;font-weight:normal}
.dc-note{color:#555;margin-left:8px}
.dc-body{margin:2px 0 8px 26px;padding:4px 8px;background:#f7f7f7;border-radius:3px}
.dc-body table{border-collapse:collapse;margin:4px 0}
.dc-body td,.dc-body th{padding:2px 8px;border:1px solid #e0e0e0;text-align:left;
  vertical-align:top}
.dc-links{margin-left:10px}.dc-links a{margin-right:8px}
</style>"""


def _when(stamp: str) -> str:
    """``2026-12-02T11:47:59Z`` → ``2026-12-02 11:47 UTC``."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


def anchor(record: ItemRecord) -> str:
    """The id of the item's line in the view (HTML ids allow every character but spaces)."""
    return "dc-" + record.ref.replace(" ", "_")


def status_html(status: str) -> str:
    return (f'<span class="dc-status" style="color:{COLORS[status]}">{GLYPHS[status]} '
            f"{esc(LABELS[status])}</span>")


def severity_html(severity: str) -> str:
    """Critical and high stand out; low is said; medium, the default, goes unsaid."""
    if severity == "medium":
        return ""
    text = severity.upper() if severity in ("critical", "high") else severity
    return f'<span class="dc-sev dc-sev-{esc(severity)}">{esc(text)}</span>'


def signed_text(record: ItemRecord) -> str:
    """Who signed: ``approved by ana@x (security-lead) on 2026-11-23 10:00 UTC``."""
    return "; ".join(
        f"{'waived' if s.kind == 'waiver' else s.decision} by {s} on {_when(s.issued_at)}"
        for s in record.signoffs)


def note(record: ItemRecord) -> str:
    """The line beside the title: why it did not pass, who signed, or what was found."""
    if record.status == "not_run":
        return "did not run in this run"
    if record.status == "passed":
        return signed_text(record) or record.evidence_text
    if record.awaiting:
        return "awaiting sign-off from " + " or ".join(record.awaiting)
    return record.message


def headline(run: RunRecord) -> str:
    """GO / NO-GO, the release, and what holds it: the blockers and who is awaited."""
    go = ready(run)
    color = COLORS["passed" if go else "failed"]
    facts = [f"commit <code>{esc(run.commit)}</code>" if run.commit else "commit not bound",
             f"run {esc(_when(run.started))} to {esc(_when(run.finished)[11:] or '…')}"]
    why = [f"<b>{esc(gate.phase)}</b> {gate.verdict}: {esc(', '.join(gate.reasons))}"
           for gate in gates(run) if not gate.ready]
    why += [esc(reason) for reason in run_blockers(run) if not run.items]
    if not run.items:
        why.append("no checklist item ran")
    blocking = [r for r in run.sorted_items() if r.status in BLOCKING]
    for record in blocking[:_MAX_BLOCKERS]:
        why.append(f'{status_html(record.status)} <a href="#{esc(anchor(record))}">'
                   f"{esc(record.ref)}</a> {esc(record.title)}"
                   f'<span class="dc-note">{esc(_short(note(record)))}</span>')
    if len(blocking) > _MAX_BLOCKERS:
        why.append(f"and {len(blocking) - _MAX_BLOCKERS} more blocking items, below")
    awaited = tally(run.items).awaiting
    if awaited:
        why.append("<b>Awaiting sign-off:</b> " + "; ".join(
            f"<b>{esc(role)}</b> for {esc(', '.join(refs))}" for role, refs in awaited.items()))
    items = "".join(f"<li>{w}</li>" for w in why)
    return (f'<div class="dc-headline" style="--dc:{color}">'
            f'<span class="dc-verdict">{"GO" if go else "NO-GO"}</span>'
            f'<span class="dc-subject">{esc(run.subject)}</span>'
            f'<span class="dc-facts">{" · ".join(facts)}</span></div>'
            + (f'<ul class="dc-why">{items}</ul>' if items else ""))


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def body(record: ItemRecord) -> str:
    """What unfolds under an item's line: the message in full, the evidence, who signed
    (principal, role, key, when, justification), where it is written."""
    parts = []
    if record.message and record.status != "passed":
        parts.append(f"<div>{esc(record.message)}</div>")
    if record.evidence:
        parts.append("<table>" + "".join(
            f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>"
            for k, v in record.evidence) + "</table>")
    if record.signoffs:
        parts.append(html.signed_table(record))
    parts.append(f'<div style="color:#666">{esc(html.facts(record))}</div>')
    return f'<div class="dc-body">{"".join(parts)}</div>'


def links_html(record: ItemRecord) -> str:
    """The item's links, each opening in a new tab."""
    if not record.links:
        return ""
    return '<span class="dc-links">' + "".join(
        f'<a href="{esc(url)}" target="_blank" rel="noopener">{esc(title)}</a>'
        for title, url in record.links) + "</span>"


def item_line(record: ItemRecord) -> str:
    host = f" [{esc(record.host)}]" if record.host else ""
    opened = " open" if record.status in OPEN else ""
    return (f'<li id="{esc(anchor(record))}"><details class="dc-item"{opened}><summary>'
            f"{status_html(record.status)}{esc(record.title)}{host}"
            f"{severity_html(record.severity)}"
            f'<span class="dc-note">{esc(_short(note(record)))}</span>{links_html(record)}'
            f"</summary>{body(record)}</details></li>")


def item_lines(records: list[ItemRecord]) -> str:
    """A line per item; an item on several hosts folds into one line that counts its
    hosts (``Disk space: web: 998/1,000 hosts passed — failing: web-17, web-402``),
    unfolding to the hosts that did not pass, each on its line, and those that did."""
    by_item: dict[tuple[str, str], list[ItemRecord]] = {}
    for record in records:
        by_item.setdefault((record.id, "") if record.host else (record.id, record.nodeid),
                           []).append(record)
    out = []
    for found in by_item.values():
        if len(found) == 1:
            out.append(item_line(found[0]))
            continue
        first, passed = found[0], [r for r in found if r.status == "passed"]
        status = next((r.status for r in found if r.status in BLOCKING),
                      "passed" if len(passed) == len(found) else first.status)
        others = [r for r in found if r.status != "passed"]
        counts = "; ".join(t.text(g) for g, t in host_groups(found).items())
        unfolded = "".join(item_line(r) for r in others) + (
            f'<li><details class="dc-item"><summary>{len(passed):,} hosts passed</summary>'
            f'<ul class="dc-items">{"".join(item_line(r) for r in passed)}</ul></details></li>'
            if passed else "")
        opened = " open" if status in OPEN else ""
        out.append(f'<li><details class="dc-item"{opened}><summary>{status_html(status)}'
                   f"{esc(first.title)}{severity_html(first.severity)}"
                   f'<span class="dc-note">{esc(_short(counts))}</span></summary>'
                   f'<ul class="dc-items">{unfolded}</ul></details></li>')
    return "".join(out)


def _counts(records: list[ItemRecord]) -> str:
    found = tally(r for r in records if r.status != "not_run")
    text = found.counts_text()
    blockers = found.blockers(roles=False)
    not_run = sum(r.status == "not_run" for r in records)
    extra = [*blockers, *([f"{not_run} not run"] if not_run else [])]
    return text + (" — " + ", ".join(extra) if extra else "")


def checklists(run: RunRecord) -> str:
    """Every checklist of the run, section by section, every item a line."""
    out = []
    for (_, checklist_title), sections in by_section(run.every_item()).items():
        every = [r for records in sections.values() for r in records]
        out.append(f'<h3 class="dc-checklist">{esc(checklist_title)}'
                   f'<span class="dc-count">{esc(_counts(every))}</span></h3>')
        for (_, section_title), records in sections.items():
            opened = " open" if any(r.status in OPEN for r in records) else ""
            out.append(f'<details class="dc-section"{opened}><summary>{esc(section_title)}'
                       f'<span class="dc-count">{esc(_counts(records))}</span></summary>'
                       f'<ul class="dc-items">{item_lines(records)}</ul>'
                       "</details>")
    return "".join(out)


def changes(run: RunRecord) -> str:
    """With ``--deploycheck-compare``: what changed since that run, each item linked."""
    found = changes_of(run)
    if found is None:
        return ""
    items = {r.ref: r for r in run.items}
    parts = [f"<h2>Changes {esc(found.summary())}</h2>"]
    for name, title in found.SECTIONS:
        listed = getattr(found, name)
        if listed:
            parts.append(f"<p><b>{esc(title)}</b></p><ul>" + "".join(
                f'<li><a href="#{esc(anchor(items[c.ref]))}">{esc(c.ref)}</a> '
                f"{esc(c.text()[len(c.ref):])}</li>" if c.ref in items else
                f"<li>{esc(c.text())}</li>" for c in listed) + "</ul>")
    if found.files:
        parts.append("<p><b>files changed</b></p><ul>"
                     + "".join(f"<li><code>{esc(f)}</code></li>" for f in found.files) + "</ul>")
    return f'<div class="dc-changes">{"".join(parts)}</div>'


def render(run: RunRecord) -> str:
    """The whole view, one block of HTML with its own styles."""
    return (f'{_STYLE}<div class="dc-view">{headline(run)}{html.readiness(run)}{changes(run)}'
            f'<h2>Checklists</h2>{checklists(run)}{html.contacts(run)}{evidence(run)}</div>')


def evidence(run: RunRecord) -> str:
    """The run's JSON as evidence: its digest, and how to check it."""
    found = run.evidence
    if not found:
        return ""
    how = (f"sealed with an SSH signature ({esc(found['file'])}.sig) and an in-toto "
           f"statement; check both, the files and every sign-off with <code>deploycheck "
           f"verify-evidence {esc(found['file'])}</code>" if "sealed" in found else
           f"<b>not sealed</b>: {esc(found['unsealed'])}" if "unsealed" in found else
           "not sealed (seal it with <code>deploycheck seal</code>); compare the digest with "
           "<code>sha256sum</code>")
    return (f'<div class="dc-evidence"><h2>Evidence</h2><p>This run wrote '
            f"<code>{esc(found['file'])}</code>, sha256 <code>{esc(found['sha256'])}</code>: "
            f"{how}.</p></div>")
