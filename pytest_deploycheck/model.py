"""The checklist as plain, frozen data: what the loader builds and the rest reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import EvidenceValue, Problem

SEVERITIES = ("low", "medium", "high", "critical")
DEFAULT_PHASES = ("predeploy", "deploy", "postdeploy", "rollback")
PHASE_HELP = {
    "predeploy": "pre-deployment gate: what must hold before deploying",
    "deploy": "deployment: checks during the deployment itself",
    "postdeploy": "post-deployment validation",
    "rollback": "rollback runbook",
}
DEFAULT_TIMEOUT = 10.0


def markers(phases: tuple[str, ...]) -> list[str]:
    """The markers an item can carry, as pytest's ``markers`` ini lines: each phase,
    ``automated`` and ``manual`` (tags are added as checklists name them)."""
    return [*(f"{phase}: deploycheck phase — {PHASE_HELP.get(phase, 'deployment phase')}"
              for phase in phases),
            "automated: checklist item checked by a probe",
            "manual: checklist item that needs a signed sign-off"]


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Retry:
    """Poll: re-run the check every ``interval`` seconds until it passes or
    ``timeout`` seconds have gone by."""

    timeout: float
    interval: float


@dataclass(frozen=True, slots=True)
class Hold:
    """Hold over time: run the check every ``every`` seconds for ``window`` seconds; it
    passes only when it held for the whole window, and fails as soon as more than
    ``failure_limit`` attempts failed."""

    window: float
    every: float
    failure_limit: int = 0


@dataclass(frozen=True, slots=True)
class CheckCall:
    """The automated part of an item: a check type and its validated spec."""

    type: str
    spec: Any
    read_only: bool
    uses_env: bool = False  # the spec holds ${env:…} references, resolved at run time
    env_names: tuple[str, ...] = ()  # the process variables those references read (secrets)


@dataclass(frozen=True, slots=True)
class Attest:
    """The manual part of an item: who must sign off — ``quorum`` people holding any of
    ``roles``, or, with ``require``, a count per role, each place a different person."""

    roles: tuple[str, ...]
    quorum: int = 1
    require: tuple[tuple[str, int], ...] = ()  # (role, count), in the order written


@dataclass(frozen=True, slots=True)
class Link:
    """A page an item refers to: its runbook, the ticket, the pen-test report."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Item:
    checklist: str
    section: str
    id: str
    title: str
    phase: str
    location: Location
    description: str = ""
    tags: tuple[str, ...] = ()
    severity: str = "medium"
    owner: str | None = None
    only_in: tuple[str, ...] | None = None
    except_in: tuple[str, ...] = ()
    scope_reason: str = ""  # why it applies only where it does (only_in / except_in)
    retry: Retry | None = None
    hold: Hold | None = None
    timeout: float = DEFAULT_TIMEOUT
    check: CheckCall | None = None
    attest: Attest | None = None
    ordered: bool = False
    digest: str = ""  # of the item as written: editing it invalidates its sign-offs
    on: tuple[str, ...] = ()  # host groups: collected once per host of these groups
    checklist_title: str = ""  # where it stands, for the reports
    section_title: str = ""
    section_line: int = 0
    links: tuple[Link, ...] = ()
    # in an ordered section (a runbook), the steps before this one, in order
    earlier: tuple[Item, ...] = field(default=(), repr=False, compare=False)

    @property
    def kind(self) -> str:
        """``manual``, or the check type's name."""
        return self.check.type if self.check is not None else "manual"

    def not_applicable_in(self, environment: str) -> str | None:
        """Why the item does not apply in ``environment``, or None if it does."""
        because = f": {self.scope_reason}" if self.scope_reason else ""
        if self.only_in is not None and environment not in self.only_in:
            return (f"not applicable in environment {environment!r} "
                    f"(only in {', '.join(self.only_in)}){because}")
        if environment in self.except_in:
            return (f"not applicable in environment {environment!r} (excluded by except_in)"
                    f"{because}")
        return None


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    ordered: bool
    location: Location
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Checklist:
    id: str
    title: str
    path: str
    location: Location
    description: str = ""
    sections: tuple[Section, ...] = ()
    warnings: tuple[Problem, ...] = ()  # found while loading, not worth refusing the file

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)


@dataclass(frozen=True, slots=True)
class SignOff:
    """One signed statement that counted for an item: an approval, a veto or a waiver.
    Plain strings only (it travels between xdist workers and into every report)."""

    principal: str
    role: str
    fingerprint: str  # SHA256:… of the signing key, as ``ssh-keygen -l`` prints it
    decision: str  # approved, rejected
    issued_at: str  # 2026-11-23T10:00:00Z
    expires_at: str
    justification: str
    kind: str = "attestation"  # or waiver

    def __str__(self) -> str:
        return f"{self.principal} ({self.role})"


@dataclass(frozen=True, slots=True)
class Result:
    """What a check (or an item's sign-offs) found: passed or not, and why, in one line.
    Evidence holds only strings and numbers.

    For a manual item, ``signoffs`` are the statements that decided it and
    ``awaiting`` the roles a sign-off is still awaited from (empty once it
    passed, and when it failed for another reason: a veto, unusable signers);
    ``invalid`` says an entry that is not authentic claims to sign it off.
    """

    passed: bool
    message: str = ""
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)
    attempts: int = 1
    duration: float = 0.0
    signoffs: tuple[SignOff, ...] = ()
    awaiting: tuple[str, ...] = ()
    invalid: bool = False  # an entry that is not authentic claims to sign the item off
    # the warnings the check raised (warnings.WarningMessage), for the item to re-raise
    warnings: tuple[Any, ...] = ()
