"""``deploycheck import FILE.md``: a Markdown checklist as checklist YAML.

What becomes an item, with the Markdown's own wording as its title:

- ``- [ ] text`` / ``1. [ ] text`` lines (``[x]`` too);
- table rows with a ☐ or ☑ cell (the first cell is the title; a row whose only text is
  bold, ``| **Preparation** | | |``, starts a section);
- numbered steps (``1. Stop the current deployment``): an ordered section, a runbook;
- the rows of a sign-off table (``| Role | Name | Signature | Date |``) and sign-off lines
  (``- [ ] Risk Management: ____ Date: ____``): a sign-off by that role.

Headings become sections; the phase is guessed from the headings above (pre-deployment,
deployment, post-deployment, rollback). Every item is manual (``attest``); where its
wording clearly names something a check type probes (certificates, DNS, disk space,
coverage, logs …) a commented check template shows how to automate it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import NamedTuple

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|(\d+)[.)])\s+\[[ xX]\]\s+(.+?)\s*$")
_STEP = re.compile(r"^\s*\d+[.)]\s+(.+?)\s*$")
_SIGN_LINE = re.compile(r"^(.+?):\s*_{3,}")
_BOXES = ("☐", "☑", "☒", "✅", "[ ]", "[x]")
_NUMBERED = re.compile(r"^\d+(\.\d+)*[.)]?\s+")

# wording → a check type's template (the keys of the README's reference), in this order
TEMPLATES: tuple[tuple[str, str], ...] = (
    (r"\bssl\b|\btls\b|certificate", "tls: {host: api.example.com, port: 443, "
                                     "min_days_left: 14}"),
    (r"\bdns\b", "dns: {name: api.example.com, type: A}"),
    (r"disk space", "disk: {path: /, min_free: 20GB}"),
    (r"\bmemory\b", "memory: {min_available: 2GiB}"),
    (r"coverage", "coverage: {report: coverage.xml, min_percent: 80}"),
    (r"\btests? (are )?pass", "junit: {path: reports/junit.xml}"),
    (r"websocket|real-time data feed", "websocket: {url: \"wss://feed.example.com/market\"}"),
    (r"migration", "sql: {url: \"${env:DATABASE_URL}\", migrations: migrations}"),
    (r"database (connectivity|created)|database is", "sql: {url: \"${env:DATABASE_URL}\", "
                                                     "query: select 1}"),
    (r"prometheus|alert rules|alertmanager|monitoring data", "prometheus: {url: "
                                                             "\"http://prometheus:9090\", "
                                                             "targets_up: true}"),
    (r"\blogs?\b", "logs: {files: [\"logs/*.log\"], pattern: \"CRITICAL|FATAL\", since: 1h}"),
    (r"tag release", "git: {tag: \"v${release}\"}"),
    (r"version number", "version: {file: pyproject.toml, expect: \"${release}\"}"),
    (r"changelog", "changelog: {file: CHANGELOG.md}"),
    (r"environment variables|secrets in env", "env: {names: [DATABASE_URL, API_KEY]}"),
    (r"endpoints? respond|health check|accessible|authentication working|external api",
     "http: {url: \"${base_url}/health\", status: 200}"),
    (r"backup", "file: {path: \"backups/*.sql.gz\", max_age: 1d}"),
    (r"firewall|network connectivity", "tcp: {host: db.internal, port: 5432, expect: open}"),
    (r"services? (started|running)", "service: {name: app, running: true}"),
    (r"market hours|trading hours|deployment window|holiday calendar",
     "calendar: {exchange: XNYS, outside_hours: true, margin: 30m}"),
)


@dataclass
class ImportedItem:
    title: str
    roles: tuple[str, ...] = ("release-manager",)
    template: str | None = None


@dataclass
class ImportedSection:
    title: str
    phase: str
    ordered: bool = False
    items: list[ImportedItem] = field(default_factory=list)


def slug(text: str, limit: int = 48) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0]
    return words or "item"


def guess_phase(headings: list[str]) -> str:
    """The phase the outermost heading that names one says ("Deployment Phase" holds
    "Pre-Deployment Checks": deploy); predeploy if none does."""
    for heading in headings:
        text = heading.lower()
        if re.search(r"\bpre[- ]?deploy", text):
            return "predeploy"
        if re.search(r"\bpost[- ]?deploy|after (the )?deploy", text):
            return "postdeploy"
        if "rollback" in text or "roll back" in text:
            return "rollback"
        if "deploy" in text:
            return "deploy"
    return "predeploy"


def template_for(title: str) -> str | None:
    text = title.lower()
    return next((t for pattern, t in TEMPLATES if re.search(pattern, text)), None)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _clean(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text).strip()


def parse(text: str) -> tuple[str, list[ImportedSection]]:
    """The checklist's title and its sections, from Markdown."""
    title = ""
    headings: list[str] = []
    levels: list[int] = []
    sections: list[ImportedSection] = []
    current: ImportedSection | None = None
    header: list[str] | None = None  # the current table's header cells

    def section(name: str) -> ImportedSection:
        nonlocal current
        if current is None or current.title != name:
            current = ImportedSection(name, guess_phase(headings))
            sections.append(current)
        return current

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            level, name = len(heading[1]), _NUMBERED.sub("", heading[2]).strip()
            if level == 1 and not title:
                title = name
                continue
            while levels and levels[-1] >= level:
                levels.pop()
                headings.pop()
            levels.append(level)
            headings.append(name)
            current, header = None, None
            continue
        here = headings[-1] if headings else (title or "Checklist")
        if line.lstrip().startswith("|"):
            cells = _cells(line)
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the |---|---| line
            if header is None:
                header = [c.lower() for c in cells]
                continue
            first = _clean(cells[0]) if cells else ""
            if first and cells[0].startswith("**") and not any(c for c in cells[1:]):
                current = None
                section(first)
                continue
            if header[0] == "role" and ("signature" in header or "date" in header):
                section(here).items.append(
                    ImportedItem(f"{first} sign-off", (slug(first),)))
            elif any(c in _BOXES for c in cells[1:]) and first:
                item_section = current if current is not None else section(here)
                item_section.items.append(ImportedItem(first, template=template_for(first)))
            continue
        header = None
        box = _CHECKBOX.match(line)
        if box:
            wording = _clean(box[2])
            signer = _SIGN_LINE.match(wording)
            target = current if current is not None else section(here)
            if box[1] and not target.items:  # numbered: steps of a runbook
                target.ordered = True
            if signer:
                role = signer[1].strip()
                target.items.append(ImportedItem(f"{role} sign-off", (slug(role),)))
            else:
                target.items.append(ImportedItem(wording, template=template_for(wording)))
            continue
        step = _STEP.match(line)
        if step:
            target = current if current is not None else section(here)
            if not target.items:
                target.ordered = True
            target.items.append(ImportedItem(_clean(step[1])))
    return title or "Imported checklist", [s for s in sections if s.items]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render(checklist_id: str, title: str, sections: list[ImportedSection],
           source: str) -> str:
    """The checklist YAML, with comments where a check template fits."""
    out = [f"# Imported from {source} by `deploycheck import`: every item is manual until",
           "# you give it a check; the commented templates show how.",
           f"checklist: {checklist_id}", f"title: {_quote(title)}", "sections:"]
    section_ids: set[str] = set()
    item_ids: set[str] = set()
    for sec in sections:
        sid = _unique(slug(sec.title), section_ids)
        out += [f"  - id: {sid}", f"    title: {_quote(sec.title)}", f"    phase: {sec.phase}"]
        if sec.ordered:
            out.append("    ordered: true")
        out.append("    items:")
        for item in sec.items:
            iid = _unique(slug(item.title), item_ids)
            out += [f"      - id: {iid}", f"        title: {_quote(item.title)}",
                    f"        attest: {{roles: [{', '.join(item.roles)}]}}"]
            if item.template:
                out += ["        # automate it: replace 'attest' with", "        # check:",
                        f"        #   {item.template}"]
    return "\n".join(out) + "\n"


def _unique(base: str, used: set[str]) -> str:
    found, n = base, 2
    while found in used:
        found, n = f"{base}-{n}", n + 1
    used.add(found)
    return found


class Imported(NamedTuple):
    yaml: str
    items: int  # how many
    roles: tuple[str, ...]  # the roles its manual items name: the config must declare them


def import_markdown(text: str, checklist_id: str, source: str) -> Imported:
    """The checklist YAML of the Markdown checklist ``text``."""
    title, sections = parse(text)
    roles = tuple(dict.fromkeys(r for s in sections for i in s.items for r in i.roles))
    return Imported(render(checklist_id, title, sections, source),
                    sum(len(s.items) for s in sections), roles)
