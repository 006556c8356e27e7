"""What every report reads: one plain record per item that ran, and the run's header.

Records are made where an item runs (the only process, or an xdist worker) and
read where the reports are written (the controller). They hold only strings and
numbers; :meth:`ItemRecord.to_wire` and :meth:`ItemRecord.from_wire` carry them
between processes. Reports read records; they never re-run anything. What the
records decide about each phase's gate is :mod:`.gates`'s.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import inputs
from .errors import EvidenceValue
from .model import Item, Result, SignOff
from .outcome import LABELS

if TYPE_CHECKING:
    from .changes import Changes
    from .hosts.groups import HostRef


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
    status: str  # one of outcome.STATUSES
    message: str = ""
    tags: tuple[str, ...] = ()
    severity: str = "medium"
    owner: str = ""
    evidence: tuple[tuple[str, EvidenceValue], ...] = ()
    signoffs: tuple[SignOff, ...] = ()
    awaiting: tuple[str, ...] = ()  # roles a sign-off is still awaited from
    duration: float = 0.0
    attempts: int = 0
    host: str = ""  # the target host of an item with 'on:', and its group
    group: str = ""
    host_order: int = 0  # the host's place in the config
    digest: str = ""  # of the item as written (``sha256:…``): what a comparison calls edited
    links: tuple[tuple[str, str], ...] = ()  # (title, url): its runbook, ticket, report

    @classmethod
    def of(cls, item: Item, *, nodeid: str, status: str, message: str = "",
           result: Result | None = None, waiver: SignOff | None = None,
           host: HostRef | None = None, host_order: int = 0) -> ItemRecord:
        """The record of ``item`` ending in ``status``; ``result`` when its check or
        sign-offs ran, ``waiver`` when a signed waiver turned its failure into ``waived``."""
        signoffs = result.signoffs if result is not None else ()
        if waiver is not None:
            signoffs = (*signoffs, waiver)
        return cls(
            nodeid=nodeid, checklist=item.checklist, checklist_title=item.checklist_title,
            section=item.section, section_title=item.section_title, id=item.id,
            title=item.title, phase=item.phase, kind=item.kind, path=item.location.path,
            line=item.location.line, section_line=item.section_line, status=status,
            message=message, tags=item.tags, severity=item.severity, owner=item.owner or "",
            evidence=tuple(result.evidence.items()) if result is not None else (),
            signoffs=signoffs, awaiting=result.awaiting if result is not None else (),
            duration=result.duration if result is not None else 0.0,
            attempts=result.attempts if result is not None and item.check is not None else 0,
            host=host.id if host is not None else "",
            group=host.group if host is not None else "", host_order=host_order,
            digest=item.digest, links=tuple((link.title, link.url) for link in item.links))

    @classmethod
    def planned(cls, item: Item, *, host: HostRef | None = None,
                host_order: int = 0) -> ItemRecord:
        """What a gate waits for before the item has run: its record, ``not_run``."""
        where = f"[{host.id}]" if host is not None else ""
        return cls.of(item, nodeid=f"{item.location.path}::{item.section}::{item.id}{where}",
                      status="not_run", host=host, host_order=host_order)

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

    def to_wire(self) -> dict[str, Any]:
        """Plain lists and mappings of strings and numbers (what xdist can carry)."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["tags"] = list(self.tags)
        data["evidence"] = [[k, v] for k, v in self.evidence]
        data["signoffs"] = [asdict(s) for s in self.signoffs]
        data["awaiting"] = list(self.awaiting)
        data["links"] = [list(link) for link in self.links]
        return data

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemRecord:
        values = dict(data)
        values["tags"] = tuple(values.get("tags", ()))
        values["evidence"] = tuple((k, v) for k, v in values.get("evidence", ()))
        values["signoffs"] = tuple(SignOff(**s) for s in values.get("signoffs", ()))
        values["awaiting"] = tuple(values.get("awaiting", ()))
        values["links"] = tuple((title, url) for title, url in values.get("links", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Planned:
    """An item a gate waits for: its phase, and its record before it ran (``not_run``),
    made only when a report lists it (the checklist view) — collection makes one per item
    and most runs never ask."""

    phase: str
    make: Callable[[], ItemRecord]

    def record(self) -> ItemRecord:
        return self.make()

    @classmethod
    def of(cls, item: Item, host: HostRef | None = None, host_order: int = 0) -> Planned:
        return cls(item.phase, functools.partial(ItemRecord.planned, item, host=host,
                                                 host_order=host_order))


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
    # checklist files that did not collect → their first mistake
    broken: dict[str, str] = field(default_factory=dict)
    stopped_early: bool = False  # -x, --maxfail or an interruption: not every item ran
    # what the gates wait for: every applicable item of the run's checklists (ref → its
    # record before it ran, ``not_run``), selected or not; and how the run selected
    # (``-k x``, ``--lf`` …) when it left some out
    expected: dict[str, Planned] = field(default_factory=dict)
    selection: list[str] = field(default_factory=list)
    # an earlier run's JSON document to say what changed since (``--deploycheck-compare``),
    # and what did, once a report has asked (see report.json.changes_of)
    previous: dict[str, Any] | None = None
    changes: Changes | None = field(default=None, repr=False)
    # the run's JSON as written: file, sha256, and who sealed it, or why it is not sealed
    evidence: dict[str, str] = field(default_factory=dict)

    def sorted_items(self) -> list[ItemRecord]:
        return sorted(self.items, key=lambda r: r.sort_key)

    def every_item(self, phases: Iterable[str] | None = None) -> list[ItemRecord]:
        """The checklists as planned, filled in: every item that ran, and every item the
        gates of ``phases`` (default: the phases that ran) wait for that did not
        (``not_run``), in checklist order."""
        wanted = {r.phase for r in self.items} if phases is None else set(phases)
        ran = {r.ref for r in self.items}
        missing = [p.record() for ref, p in self.expected.items()
                   if ref not in ran and p.phase in wanted]
        return sorted([*self.items, *missing], key=lambda r: r.sort_key)

    def close(self, *, stopped: bool, planned: dict[str, Planned], unread: dict[str, str],
              selection: list[str]) -> None:
        """The end of the run: whether it ``stopped`` before every item ran, what the gates
        wait for (``planned``; under xdist the workers' too), the checklists it did not
        collect that have mistakes (``unread``), how it selected."""
        self.stopped_early = stopped
        self.expected.update(planned)
        self.broken = {**self.broken, **{p: m for p, m in unread.items() if p not in self.broken}}
        self.selection = selection

    @property
    def subject(self) -> str:
        """``payments 1.4.0 in production``."""
        if not self.project:  # the config could not be read: its mistakes are reported
            return "project config with mistakes"
        release = self.release or "(release not set)"
        return f"{self.project} {release} in {self.environment}"


def by_section(records: Iterable[ItemRecord]) -> dict[tuple[str, str],
                                                      dict[tuple[str, str], list[ItemRecord]]]:
    """Records grouped by (checklist, title), then by (section, title), in file order."""
    grouped: dict[tuple[str, str], dict[tuple[str, str], list[ItemRecord]]] = {}
    for record in sorted(records, key=lambda r: r.sort_key):
        sections = grouped.setdefault((record.checklist, record.checklist_title), {})
        sections.setdefault((record.section, record.section_title), []).append(record)
    return grouped


def to_wire(planned: dict[str, Planned]) -> dict[str, dict[str, Any]]:
    """What the gates wait for, by reference, as xdist carries it (each item's record,
    see :meth:`ItemRecord.to_wire`)."""
    return {ref: p.record().to_wire() for ref, p in planned.items()}


def from_wire(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Planned]:
    return {ref: Planned(wire["phase"], functools.partial(ItemRecord.from_wire, wire))
            for ref, wire in data.items()}


def now() -> str:
    """The time as records give it: ``2026-11-25T10:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_digest(path: Path) -> str:
    """``sha256:…`` of a file's bytes (what ``sha256sum`` prints), or why it has none."""
    try:
        return "sha256:" + hashlib.sha256(inputs.read_bytes(path)).hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"


__all__ = ["ItemRecord", "Planned", "RunRecord", "by_section", "file_digest", "from_wire", "now",
           "to_wire"]
