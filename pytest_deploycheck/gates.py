"""Phase gates: from the records of a run, whether each phase is READY, INCOMPLETE or
BLOCKED, and why.

A phase's gate is READY only when every item of the phase that applies in this
environment ran in this run and passed or was validly waived. It is BLOCKED while an item
is in a blocking status (failed, error, awaiting sign-off, blocked) or something holds
every gate shut (a checklist that did not collect, a run stopped before every item ran),
and INCOMPLETE when nothing blocks but items did not run: deselected (``-k``, ``-m``,
``--deselect``, ``--lf``, a node id) or skipped. Every report — terminal, HTML, JSON,
Markdown — says what :func:`gates` decides. A phase none of whose items ran has no gate
in the run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .outcome import BLOCKING, LABELS, PLURALS
from .record import ItemRecord, RunRecord


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

    def counts_text(self) -> str:
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
            label = PLURALS.get(status, LABELS[status]) if count > 1 else LABELS[status]
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


@dataclass(frozen=True)
class Gate:
    """One phase's gate."""

    phase: str
    tally: Tally
    blockers: tuple[str, ...]  # what holds it shut; none when it is READY
    not_run: tuple[str, ...] = ()  # the applicable items of the phase that did not run
    planned: int = 0  # how many applicable items the phase has
    why_not_run: str = ""  # "deselected by -k ssl", "1 skipped"

    @property
    def ready(self) -> bool:
        return not self.blockers and not self.not_run

    @property
    def verdict(self) -> str:
        return "BLOCKED" if self.blockers else "INCOMPLETE" if self.not_run else "READY"

    @property
    def missing(self) -> str:
        """``2 of 3 items not run (deselected by -k ssl)``, or nothing."""
        if not self.not_run:
            return ""
        why = f" ({self.why_not_run})" if self.why_not_run else ""
        return f"{len(self.not_run)} of {self.planned} items not run{why}"

    @property
    def reasons(self) -> list[str]:
        """What keeps it from READY: the blockers, then what did not run."""
        return [*self.blockers, *([self.missing] if self.not_run else [])]

    @property
    def line(self) -> str:
        """``predeploy: 41/45 passed — BLOCKED: 2 failed, 2 awaiting sign-off (…)``."""
        reasons = self.reasons
        verdict = f"{self.verdict}: " + ", ".join(reasons) if reasons else "READY"
        return f"{self.phase}: {self.tally.counts_text()} — {verdict}"


def run_blockers(run: RunRecord) -> list[str]:
    """What holds every gate shut, whatever its items did."""
    found = []
    if run.broken:
        count = len(run.broken)
        found.append(f"{count} checklist{'s' if count > 1 else ''} with mistakes "
                     f"({', '.join(run.broken)})")
    if run.stopped_early:
        found.append("the run stopped before every item ran")
    return found


def gates(run: RunRecord) -> list[Gate]:
    """A gate per phase that ran items, in the order the phases first appear."""
    tallies: dict[str, Tally] = {}
    for record in run.sorted_items():
        tallies.setdefault(record.phase, Tally()).add(record)
    shut = run_blockers(run)
    ran = {r.ref for r in run.items if r.status != "skipped"}
    skipped = {r.ref for r in run.items if r.status == "skipped"}
    found = []
    for phase, tally_ in tallies.items():
        planned = [ref for ref, of in run.expected.items() if of.phase == phase]
        not_run = sorted({ref for ref in planned if ref not in ran}
                         | {r.ref for r in run.items if r.phase == phase and r.ref in skipped})
        reasons = []
        unselected = [ref for ref in not_run if ref not in skipped]
        if unselected and not run.stopped_early:  # a stopped run says so among the blockers
            by = [s for s in run.selection if s != f"-m {phase}"]  # that one kept them
            reasons.append("deselected by " + " and ".join(by) if by else "not selected")
        if skipped & set(not_run):
            reasons.append(f"{len(skipped & set(not_run))} skipped")
        found.append(Gate(phase, tally_, (*tally_.blockers(), *shut), tuple(not_run),
                          max(len(planned), tally_.applicable), "; ".join(reasons)))
    return found


def ready(run: RunRecord) -> bool:
    """Whether every phase of the run is READY (and some item ran)."""
    return bool(run.items) and all(g.ready for g in gates(run))


_NAMED = 10  # failing hosts named in a line


@dataclass
class GroupTally:
    """The hosts of one group in this run, and those with an item that blocks."""

    hosts: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return len(self.hosts) - len(self.failing)

    def text(self, group: str) -> str:
        """``web: 48/50 hosts passed — failing: web-3, web-7`` (``1,000 hosts``; the first
        ten failing hosts named, then how many more)."""
        text = f"{group}: {self.passed:,}/{len(self.hosts):,} hosts passed"
        if not self.failing:
            return text
        more = len(self.failing) - _NAMED
        named = ", ".join(self.failing[:_NAMED]) + (f" and {more:,} more" if more > 0 else "")
        return f"{text} — failing: {named}"


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


def selection_words(option: Any, named: list[str]) -> list[str]:
    """How a run chose among the collected items, in the words of its command line
    (``option``: pytest's parsed options — ``-k ssl``, ``-m predeploy``, ``--deselect``,
    ``--lf`` — and the paths or node ids ``named``): what a gate says left items out."""
    found = [f"{flag} {value}" for flag, value in (
        ("-k", getattr(option, "keyword", "")), ("-m", getattr(option, "markexpr", "")))
        if value]
    found += [flag for flag, value in (("--deselect", getattr(option, "deselect", None)),
                                       ("--lf", getattr(option, "lf", False))) if value]
    if named:
        found.append(" ".join(named) if len(named) < 3 else f"{' '.join(named[:2])} …")
    return found


def fails(run: RunRecord, *, complete: bool = False) -> bool:
    """Whether a run whose items all passed fails all the same: a checklist it did not
    collect has mistakes, or (``complete``: ``--deploycheck-require-complete``) a gate is
    incomplete."""
    if run.broken:
        return True
    return complete and any(g.verdict == "INCOMPLETE" for g in gates(run))


__all__ = ["Gate", "GroupTally", "Tally", "fails", "gates", "host_groups", "ready",
           "run_blockers", "selection_words", "tally"]

