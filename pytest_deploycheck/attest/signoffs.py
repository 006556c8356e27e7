"""Sign-offs per item: which signed statements count for an item in this run, and
whether they suffice — the decision the plugin, the CLI and the demo's signer share.

A statement counts for an item when it is valid (see :mod:`.store`) and binds
exactly this item in this run (:class:`Binding`, made by :meth:`Binding.of`): project,
release, environment (or none: every environment), the deployed commit when one is
given, checklist, item and the digest of the item's definition. ``attest: {roles,
quorum}`` needs ``quorum`` distinct principals, each holding a listed role, with an
approved statement; a valid rejection is a veto. A waiver is the same, for an
automated item, by the config's ``waiver_roles``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..model import Attest, Item, Result, SignOff
from ..project import Settings
from . import statement as statement_mod
from .statement import Statement
from .store import LedgerError, Trust, Verdict, load_ledger


@dataclass(frozen=True)
class Binding:
    """What a statement must say to count for one item in this run."""

    project: str
    release: str | None
    environment: str
    checklist: str
    item: str
    item_digest: str
    commit: str | None = None

    @classmethod
    def of(cls, item: Item, settings: Settings) -> Binding:
        """What a statement must say to count for ``item`` in a run with ``settings``."""
        return cls(project=settings.project.name, release=settings.release,
                   environment=settings.environment, checklist=item.checklist, item=item.id,
                   item_digest=item.digest, commit=settings.commit)


def mismatch(statement: Statement, binding: Binding) -> str | None:
    """Why a valid statement does not count for the bound item, or None."""
    if binding.release is None:
        return "the release of this run is unknown (set --deploycheck-release)"
    for name, want in (("project", binding.project), ("release", binding.release),
                       ("checklist", binding.checklist), ("item", binding.item)):
        got = getattr(statement, name)
        if got != want:
            return f"it is for {name} {got!r}, not {want!r}"
    if statement.environment is not None and statement.environment != binding.environment:
        return f"it is for environment {statement.environment!r}, not {binding.environment!r}"
    if statement.commit != binding.commit:
        signed = f"commit {statement.commit!r}" if statement.commit else "no commit"
        deploys = (f"this run deploys {binding.commit!r}" if binding.commit else
                   "this run's commit is unknown (set --deploycheck-commit)")
        return f"it binds {signed}, {deploys}"
    if statement.item_digest != binding.item_digest:
        return "the item was edited after it was signed"
    return None


@dataclass(frozen=True)
class Decision:
    """Whether an item's sign-offs suffice. ``awaiting`` names the roles a sign-off is
    still awaited from: empty when it passed, or when a rejection vetoed it."""

    passed: bool
    message: str
    signoffs: tuple[SignOff, ...] = ()
    awaiting: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()  # entries that are not authentic and claim the item


def _claims(verdict: Verdict, binding: Binding, kind: str) -> bool:
    """Whether an entry that is not authentic claims to sign the bound item in this run
    (old entries of other releases, by a key revoked since, are history)."""
    claims = verdict.claims
    return (claims.get("deploycheck", kind), claims.get("project"), claims.get("release"),
            claims.get("checklist"), claims.get("item")) == (
        kind, binding.project, binding.release, binding.checklist, binding.item) and (
        claims.get("environment", binding.environment) == binding.environment)


def _forged(verdict: Verdict) -> str:
    """``the entry at FILE:LINE (alice@… (security-lead), key SHA256:…): WHY``."""
    claims, fingerprint, error = verdict.claims, verdict.fingerprint, verdict.error or ""
    who = [f"{claims['principal']} ({claims.get('role', '?')})"] if "principal" in claims else []
    if fingerprint and fingerprint not in error:
        who.append(f"key {fingerprint}")
    return f"the entry at {verdict.entry.where}" + (f" ({', '.join(who)})" if who else "") + (
        f": {error}")


def signoff_of(verdict: Verdict) -> SignOff:
    """The plain record of a valid entry's statement and key."""
    st = verdict.statement
    assert st is not None, "only valid entries sign"
    assert verdict.fingerprint is not None
    return SignOff(principal=st.principal, role=st.role, fingerprint=verdict.fingerprint,
                  decision=st.decision, issued_at=statement_mod.format_time(st.issued_at),
                  expires_at=statement_mod.format_time(st.expires_at),
                  justification=st.justification, kind=st.kind)


def decide(attest: Attest, verdicts: Iterable[Verdict], binding: Binding,
           kind: str = "attestation") -> Decision:
    """Whether ``attest`` is satisfied for the bound item by the checked entries: a valid
    rejection vetoes; approvals count once per person — a principal, and every principal
    that shares a key with it — so one person cannot fill two places (four eyes); an
    entry that is not authentic and claims the item fails it, whatever else signed it."""
    approvals: list[Verdict] = []
    notes: list[str] = []
    invalid: list[str] = []
    for verdict in verdicts:
        st = verdict.statement
        if st is None:
            if _claims(verdict, binding, kind):
                invalid.append(_forged(verdict))
            else:
                notes.append(f"an entry at {verdict.entry.where} is invalid: {verdict.error}")
            continue
        if st.kind != kind or st.checklist != binding.checklist or st.item != binding.item:
            continue
        why = verdict.error or mismatch(st, binding)  # expired, or bound to something else
        who = f"{st.principal} ({st.role})"
        if why is not None:
            notes.append(f"{who} does not count: {why}")
            continue
        if st.role not in attest.roles:
            notes.append(f"{who} does not count: the item needs {', '.join(attest.roles)}")
            continue
        if st.decision == "rejected":
            return Decision(False, f"rejected by {who}: {st.justification}",
                            (signoff_of(verdict),))
        approvals.append(verdict)
    places = [role for role, count in attest.require for _ in range(count)] or (
        [""] * attest.quorum)  # "": any of the roles
    chosen = _fill(places, approvals)
    signoffs = tuple(signoff_of(v) for v in chosen if v is not None)
    approved = f"approved by {', '.join(str(s) for s in signoffs)}"
    if invalid:
        count = f"{len(invalid)} entries" if len(invalid) > 1 else "an entry"
        return Decision(False, f"{count} claiming it {'are' if len(invalid) > 1 else 'is'} "
                        f"not authentic: {'; '.join(invalid)}" + (
                            f" (otherwise {approved})" if signoffs else ""),
                        signoffs, invalid=tuple(invalid))
    if all(v is not None for v in chosen):
        return Decision(True, approved, signoffs)
    if attest.require:
        needs = "approval by " + " and ".join(f"{n} {r}" for r, n in attest.require) + (
            " (different people)")
        awaiting = tuple(dict.fromkeys(r for r, v in zip(places, chosen, strict=True)
                                       if v is None))
    else:
        needs = (f"{attest.quorum} approvals by {', '.join(attest.roles)}" if attest.quorum > 1
                 else f"approval by {', '.join(attest.roles)}")
        awaiting = attest.roles
    if not approvals and not notes:
        return Decision(False, f"needs {needs}", awaiting=awaiting)
    have = f"has {len(signoffs)} of {len(places)}" if signoffs else "has none"
    detail = "; ".join(notes)
    return Decision(False, f"needs {needs}, {have}" + (f"; {detail}" if detail else ""),
                    signoffs, awaiting)


def _people(approvals: list[Verdict]) -> dict[int, list[Verdict]]:
    """Approvals by person: principals that share a key are one person."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for verdict in approvals:
        assert verdict.statement is not None
        parent[root("principal:" + verdict.statement.principal)] = root(
            f"key:{verdict.fingerprint}")
    found: dict[str, list[Verdict]] = {}
    for verdict in approvals:
        assert verdict.statement is not None
        found.setdefault(root("principal:" + verdict.statement.principal), []).append(verdict)
    return dict(enumerate(found.values()))


def _fill(places: list[str], approvals: list[Verdict]) -> list[Verdict | None]:
    """For each place (a role, or "" for any role), an approval that fills it, each
    person filling one place at most, as many places filled as can be (a matching)."""
    people = _people(approvals)
    holder: dict[int, int] = {}  # person → the place they fill

    def fits(person: int, place: int) -> Verdict | None:
        for verdict in people[person]:
            assert verdict.statement is not None
            if places[place] in ("", verdict.statement.role):
                return verdict
        return None

    def seat(place: int, seen: set[int]) -> bool:
        for person in people:
            if person in seen or fits(person, place) is None:
                continue
            seen.add(person)
            if person not in holder or seat(holder[person], seen):
                holder[person] = place
                return True
        return False

    for place in range(len(places)):
        seat(place, set())
    filled: list[Verdict | None] = [None] * len(places)
    for person, place in holder.items():
        filled[place] = fits(person, place)
    return filled


class SignOffs:
    """The sign-offs of one run: allowed_signers and every attestation entry, read and
    checked once (on first use), and what they decide for each item."""

    def __init__(self, settings: Settings, rootdir: Path, now: datetime | None = None) -> None:
        self.settings = settings
        self.rootdir = rootdir
        self.now = now
        self._ledger: tuple[Trust, list[Verdict]] | str | None = None

    def ledger(self) -> tuple[Trust, list[Verdict]] | str:
        """allowed_signers and every entry checked; or why they cannot be (which fails
        every manual item)."""
        if self._ledger is None:
            try:
                self._ledger = load_ledger(self.settings.project, self.rootdir,
                                           self.settings.attestations,
                                           self.now or datetime.now(timezone.utc))
            except LedgerError as exc:
                self._ledger = str(exc)
        return self._ledger

    def approval(self, item: Item) -> Result:
        """Whether the manual ``item`` has the signed approvals it needs."""
        assert item.attest is not None
        binding = Binding.of(item, self.settings)
        ledger = self.ledger()
        if isinstance(ledger, str):  # fail closed, saying what is needed and what is broken
            needs = decide(item.attest, [], binding).message
            return Result(False, f"no attestation for {item.id}: {needs} ({ledger})")
        decision = decide(item.attest, ledger[1], binding)
        if decision.passed:
            return Result(True, decision.message, signoffs=decision.signoffs)
        if decision.invalid:
            return Result(False, f"invalid sign-off for {item.id}: {decision.message}",
                          signoffs=decision.signoffs, invalid=True)
        return Result(False, f"no attestation for {item.id}: {decision.message}",
                      signoffs=decision.signoffs, awaiting=decision.awaiting)

    def waiver(self, item: Item) -> SignOff | None:
        """Who waived a failure of the automated ``item``, or None."""
        roles = self.settings.project.waiver_roles
        ledger = self.ledger()
        if not roles or isinstance(ledger, str):
            return None
        decision = decide(Attest(roles), ledger[1], Binding.of(item, self.settings),
                          kind="waiver")
        return decision.signoffs[0] if decision.passed else None
