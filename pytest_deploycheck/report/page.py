"""pytest-html's page in the report's words.

pytest-html sorts its rows into pytest's outcomes: an item awaiting a sign-off is
"Failed", a waiver an "Expected failure", and the filter boxes offer "Unexpected passes"
and "Reruns" that a checklist never has. :func:`in_release_words` rewrites the page it
wrote — its data, its filter boxes, its count and the two lists its script filters and
sorts by — so that each row's Result, each filter box and each count is an item's status
(passed, failed, awaiting sign-off, invalid sign-off, waived, blocked, not applicable,
skipped, error), the count is the number of items, as the terminal counts them, and the
rows stand in checklist order. Tests that are not checklist items keep their outcome.

The page is changed all at once or not at all: when a part is not where pytest-html 4
puts it, the page stays as written and :func:`in_release_words` says what it missed.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from ..outcome import LABELS, PLURALS, STATUSES
from ..record import RunRecord
from .html import COLORS

# pytest-html's own results, for the rows that are not checklist items
PYTEST_WORDS = {"passed": ("passed", "passed"), "failed": ("failed", "failed"),
                "skipped": ("skipped", "skipped"), "error": ("error", "errors"),
                "xfailed": ("expected failure", "expected failures"),
                "xpassed": ("unexpected pass", "unexpected passes"), "rerun": ("rerun", "reruns")}
_DATA = re.compile(r'(<div id="data-container" data-jsonblob=")([^"]*)(")')
_FILTERS = re.compile(r'(<div class="filters">).*?(</div>)', re.DOTALL)
_COUNT = re.compile(r'(<p class="run-count">)\d+ tests? took ([^<]*)\.(</p>)')
_POSSIBLE = re.compile(r"const possibleFilters = \[[^\]]*\]")
_ORDER = re.compile(r"const initialOrder = \[[^\]]*\]")
_RESULT_CELL = re.compile(r'^<td class="col-result">[^<]*</td>$')
STYLE = "".join(  # the colour of each status, in the Result column and the filter boxes
    f".{s} .col-result,.filters span.{s}{{color:{COLORS[s]}}}" for s in STATUSES)


def _token(run_status: str | None, result: str) -> str:
    """The filter word of a row: the item's status, or pytest-html's own outcome."""
    if run_status is not None:
        return run_status
    return result.lower() if result.lower() in PYTEST_WORDS else "error"


def _label(token: str, count: int = 1) -> str:
    if token in LABELS:
        return PLURALS.get(token, LABELS[token]) if count != 1 else LABELS[token]
    return PYTEST_WORDS[token][count != 1]


def in_release_words(page: str, run: RunRecord, *, checklist_order: bool = True,
                     ) -> tuple[str, str]:
    """``page`` (what pytest-html wrote) in the report's words, and what was missed ("" when
    nothing was). ``checklist_order``: rows in checklist order, not by result."""
    parts = {"data": _DATA.search(page), "filters": _FILTERS.search(page),
             "count": _COUNT.search(page), "filter list": _POSSIBLE.search(page),
             "sort order": _ORDER.search(page)}
    missing = [name for name, found in parts.items() if found is None]
    if missing:
        return page, ("pytest-html's page has no " + ", no ".join(missing)
                      + ": its filters and counts keep pytest's words")
    data_match = parts["data"]
    assert data_match is not None
    data: dict[str, Any] = json.loads(html.unescape(data_match.group(2)))
    statuses = {r.nodeid: r.status for r in run.items}
    counts: dict[str, int] = {}
    tests: dict[str, list[dict[str, Any]]] = data.get("tests", {})
    for nodeid, rows in tests.items():
        for row in rows:
            deciding = row.get("testId") in (nodeid, f"{nodeid}::setup")
            token = _token(statuses.get(nodeid) if deciding else None, str(row.get("result")))
            row["result"] = token
            cells = row.get("resultsTableRow") or []
            if cells and _RESULT_CELL.match(cells[0]):
                cells[0] = f'<td class="col-result">{html.escape(_label(token))}</td>'
            if deciding and row.get("testId") != nodeid:  # "…::setup": pytest's, not ours
                row["testId"] = nodeid
                row["resultsTableRow"] = [c.replace(f"{nodeid}::setup</td>", f"{nodeid}</td>")
                                          for c in cells]
            counts[token] = counts.get(token, 0) + 1
            if not str(row.get("log", "")).strip():
                row["log"] = ""  # no empty log box
    if checklist_order:
        order = {r.nodeid: r.sort_key for r in run.items}
        last = ("\uffff", 0, 0, 0, "")
        data["tests"] = dict(sorted(tests.items(), key=lambda kv: order.get(kv[0], last)))
        data["initialSort"] = "original"
    tokens = [*STATUSES, *(t for t in PYTEST_WORDS if t in counts and t not in STATUSES)]
    boxes = "".join(
        f'<input checked="true" class="filter" name="filter_checkbox" type="checkbox" '
        f'data-test-result="{t}"{"" if counts.get(t) else " disabled"}>'
        f'<span class="{t}">{counts.get(t, 0)} {html.escape(_label(t, counts.get(t, 0)))}'
        f'{"," if i < len(tokens) - 1 else ""}</span>'
        for i, t in enumerate(tokens))
    listed = "[" + ", ".join(f"'{t}'" for t in tokens) + "]"
    total = sum(counts.values())
    blob = html.escape(json.dumps(data), quote=True)
    page = _DATA.sub(lambda m: m.group(1) + blob + m.group(3), page, count=1)
    boxes += f"<style>{STYLE}</style>"
    page = _FILTERS.sub(lambda m: m.group(1) + boxes + m.group(2), page, count=1)
    page = _COUNT.sub(lambda m: f"{m.group(1)}{total} item{'s' if total != 1 else ''} took "
                      f"{m.group(2)}.{m.group(3)}", page, count=1)
    page = _POSSIBLE.sub(lambda m: f"const possibleFilters = {listed}", page, count=1)
    page = _ORDER.sub(lambda m: f"const initialOrder = {listed}", page, count=1)
    return page, ""


def rewrite(path: Path, run: RunRecord, *, checklist_order: bool = True) -> str:
    """The page pytest-html wrote at ``path`` (relative to the working directory, as
    pytest-html takes it), rewritten in the report's words; what was missed, if anything."""
    path = Path.cwd() / path
    if not path.is_file():
        return ""
    text, missed = in_release_words(path.read_text(encoding="utf-8"), run,
                                    checklist_order=checklist_order)
    path.write_text(text, encoding="utf-8")
    return missed
