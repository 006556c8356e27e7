"""What every report reads: one plain record per item that ran, the run's header,
and the tallies that decide each phase's gate.

Records are made where an item runs (the only process, or an xdist worker) and
read where the reports are written (the controller). They hold only strings and
numbers; :meth:`ItemRecord.to_wire` and :meth:`ItemRecord.from_wire` carry them
between processes. Reports read records; they never re-run anything.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EvidenceValue
from ..model import Item, Result, Signer

if TYPE_CHECKING:
    from ..config import Secrets
    from ..hosts import HostRef

#: Every status an item can end in, in the order reports show them.
STATUSES = ("passed", "failed", "awaiting", "waived", "blocked", "not_applicable", "skipped",
            "error")
LABELS = {"passed": "passed", "failed": "failed", "awaiting": "awaiting sign-off",
          "waived": "waived", "blocked": "blocked", "not_applicable": "not applicable",
          "skipped": "skipped", "error": "error"}
#: The statuses that hold a gate shut.
BLOCKING = ("failed", "error", "awaiting", "blocked")


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One item's outcome, with what a person needs to trust it."""

    nodeid: str
    checklist: str
    checklist_title: str
    section: str
    section_title: str
    id: str
    title: str
    phase: str
    kind: str  # the check type, or "manual"
    path: str
    line: int
    section_line: int
    status: str  # one of STATUSES
    message: str = ""
    tags: tuple[str, ...] = ()
    severity: str = "medium"
    owner: str = ""
    evidence: tuple[tuple[str, EvidenceValue], ...] = ()
    signers: tuple[Signer, ...] = ()
    awaiting: tuple[str, ...] = ()  # roles a sign-off is still awaited from
    duration: float = 0.0
    attempts: int = 0
    host: str = ""  # the target host of an item with 'on:', and its group
    group: str = ""
    host_order: int = 0  # the host's place in the config

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def evidence_text(self) -> str:
        """``status: 200; latency: 12 ms``."""
        return "; ".join(f"{k}: {v}" for k, v in self.evidence)

    @property
    def ref(self) -> str:
        """``checklist::item`` (``checklist::item[host]``), as people name an item."""
        where = f"[{self.host}]" if self.host else ""
        return f"{self.checklist}::{self.id}{where}"

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        """Checklist file, then the order of the file and of the hosts in the config
        (the same serial or under xdist)."""
        return self.path, self.section_line, self.line, self.host_order, self.nodeid

    def redacted(self, secrets: Secrets) -> ItemRecord:
        if not secrets:
            return self
        return replace(self, message=secrets.redact(self.message), evidence=tuple(
            (k, secrets.redact(v) if isinstance(v, str) else v) for k, v in self.evidence))

    def to_wire(self) -> dict[str, Any]:
        """Plain lists and mappings of strings and numbers (what xdist can carry)."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["tags"] = list(self.tags)
        data["evidence"] = [[k, v] for k, v in self.evidence]
        data["signers"] = [asdict(s) for s in self.signers]
        data["awaiting"] = list(self.awaiting)
        return data

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemRecord:
        values = dict(data)
        values["tags"] = tuple(values.get("tags", ()))
        values["evidence"] = tuple((k, v) for k, v in values.get("evidence", ()))
        values["signers"] = tuple(Signer(**s) for s in values.get("signers", ()))
        values["awaiting"] = tuple(values.get("awaiting", ()))
        return cls(**values)


def make_record(model: Item, *, nodeid: str, checklist_title: str, section_title: str,
                section_line: int, status: str, message: str = "",
                result: Result | None = None, waiver: Signer | None = None,
                host: HostRef | None = None, host_order: int = 0) -> ItemRecord:
    """The record of ``model`` ending in ``status``; ``result`` when its check or
    sign-off ran, ``waiver`` when a signed waiver turned its failure into ``waived``."""
    signers = result.signers if result is not None else ()
    if waiver is not None:
        signers = (*signers, waiver)
    return ItemRecord(
        nodeid=nodeid, checklist=model.checklist, checklist_title=checklist_title,
        section=model.section, section_title=section_title, id=model.id, title=model.title,
        phase=model.phase, kind=model.kind, path=model.location.path, line=model.location.line,
        section_line=section_line, status=status, message=message, tags=model.tags,
        severity=model.severity, owner=model.owner or "",
        evidence=tuple(result.evidence.items()) if result is not None else (),
        signers=signers, awaiting=result.awaiting if result is not None else (),
        duration=result.duration if result is not None else 0.0,
        attempts=result.attempts if result is not None and model.check is not None else 0,
        host=host.id if host is not None else "", group=host.group if host is not None else "",
        host_order=host_order)


# -- tallies and gates -----------------------------------------------------------


@dataclass
class Tally:
    """How the items of one phase (or checklist, or section) ended."""

    counts: Counter[str] = field(default_factory=Counter)
    awaiting: dict[str, list[str]] = field(default_factory=dict)  # role → items (refs)

    def add(self, record: ItemRecord) -> None:
        self.counts[record.status] += 1
        for role in record.awaiting:
            self.awaiting.setdefault(role, []).append(record.ref)

    @property
    def applicable(self) -> int:
        """Items the gate counts: all but the not applicable ones."""
        return sum(self.counts.values()) - self.counts["not_applicable"]

    @property
    def blocking(self) -> int:
        return sum(self.counts[s] for s in BLOCKING)

    def outcome_text(self) -> str:
        """``41/45 passed, 1 waived, 3 not applicable``."""
        text = f"{self.counts['passed']}/{self.applicable} passed"
        also = [f"{self.counts[s]} {LABELS[s]}" for s in ("waived", "not_applicable", "skipped")
                if self.counts[s]]
        return ", ".join([text, *also])

    def blockers(self, roles: bool = True) -> list[str]:
        """What holds the gate shut: ``2 failed``, ``2 awaiting sign-off (roles)``."""
        found = []
        for status in BLOCKING:
            count = self.counts[status]
            if not count:
                continue
            label = "errors" if status == "error" and count > 1 else LABELS[status]
            text = f"{count} {label}"
            if status == "awaiting" and roles:
                text += f" ({', '.join(self.awaiting)})"
            found.append(text)
        return found


def tally(records: Iterable[ItemRecord]) -> Tally:
    found = Tally()
    for record in records:
        found.add(record)
    return found


@dataclass
class RunRecord:
    """The run as the reports tell it: the header and every item's record."""

    project: str = ""
    release: str | None = None
    environment: str = ""
    commit: str | None = None
    started: str = ""  # 2026-11-25T10:00:00Z
    finished: str = ""
    exit_status: int | None = None
    checklists: dict[str, str] = field(default_factory=dict)  # file → sha256:…
    attestations: dict[str, str] = field(default_factory=dict)  # file → sha256:…
    signers_file: dict[str, str] = field(default_factory=dict)  # file → sha256:…
    items: list[ItemRecord] = field(default_factory=list)
    contacts: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, name, …
    broken: list[str] = field(default_factory=list)  # checklist files that did not collect
    stopped_early: bool = False  # -x, --maxfail or an interruption: not every item ran

    def sorted_items(self) -> list[ItemRecord]:
        return sorted(self.items, key=lambda r: r.sort_key)

    def phases(self) -> dict[str, Tally]:
        """A tally per phase, in the order the phases first appear in the checklists."""
        found: dict[str, Tally] = {}
        for record in self.sorted_items():
            found.setdefault(record.phase, Tally()).add(record)
        return found

    def run_blockers(self) -> list[str]:
        """What holds every gate shut, whatever its items did."""
        found = []
        if self.broken:
            count = len(self.broken)
            found.append(f"{count} checklist{'s' if count > 1 else ''} with mistakes "
                         f"({', '.join(self.broken)})")
        if self.stopped_early:
            found.append("the run stopped before every item ran")
        return found

    def phase_blockers(self, counts: Tally) -> list[str]:
        """What holds a phase's gate shut: its own items, and what blocks every gate."""
        return counts.blockers() + self.run_blockers()

    def phase_ready(self, counts: Tally) -> bool:
        return not counts.blocking and not self.run_blockers()

    def gate_line(self, phase: str, counts: Tally) -> str:
        """``predeploy: 41/45 passed — BLOCKED: 2 failed, 2 awaiting sign-off (…)``."""
        blockers = self.phase_blockers(counts)
        verdict = "BLOCKED: " + ", ".join(blockers) if blockers else "READY"
        return f"{phase}: {counts.outcome_text()} — {verdict}"

    @property
    def ready(self) -> bool:
        return bool(self.items) and all(self.phase_ready(t) for t in self.phases().values())

    @property
    def subject(self) -> str:
        """``payments 1.4.0 in production``."""
        if not self.project:  # the config could not be read: its mistakes are reported
            return "project config with mistakes"
        release = self.release or "(release not set)"
        return f"{self.project} {release} in {self.environment}"


def file_digest(path: Path) -> str:
    """``sha256:…`` of a file's bytes (what ``sha256sum`` prints), or why it has none."""
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"


@dataclass
class GroupTally:
    """The hosts of one group in this run, and those with an item that blocks."""

    hosts: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return len(self.hosts) - len(self.failing)

    def text(self, group: str) -> str:
        """``web: 48/50 hosts passed — failing: web-3, web-7``."""
        text = f"{group}: {self.passed}/{len(self.hosts)} hosts passed"
        return text + (f" — failing: {', '.join(self.failing)}" if self.failing else "")


def host_groups(records: Iterable[ItemRecord]) -> dict[str, GroupTally]:
    """Per host group: its hosts (in config order) and those with a blocking item."""
    found: dict[str, GroupTally] = {}
    for record in sorted((r for r in records if r.host),
                         key=lambda r: (r.group, r.host_order, r.host)):
        group = found.setdefault(record.group, GroupTally())
        if record.host not in group.hosts:
            group.hosts.append(record.host)
        if record.status in BLOCKING and record.host not in group.failing:
            group.failing.append(record.host)
    for group in found.values():  # failing hosts in config order too
        group.failing.sort(key=group.hosts.index)
    return found


def by_section(records: Iterable[ItemRecord]) -> dict[tuple[str, str],
                                                      dict[tuple[str, str], list[ItemRecord]]]:
    """Records grouped by (checklist, title), then by (section, title), in file order."""
    grouped: dict[tuple[str, str], dict[tuple[str, str], list[ItemRecord]]] = {}
    for record in sorted(records, key=lambda r: r.sort_key):
        sections = grouped.setdefault((record.checklist, record.checklist_title), {})
        sections.setdefault((record.section, record.section_title), []).append(record)
    return grouped


__all__ = ["BLOCKING", "LABELS", "STATUSES", "GroupTally", "ItemRecord", "RunRecord", "Tally",
           "by_section", "file_digest", "host_groups", "make_record", "tally"]
