"""What ``deploycheck verify`` says of each entry of the attestation files: authentic or
not, and, when authentic, whether it still counts.

An entry is INVALID when it is not authentic — forged, tampered, by an unknown or revoked
key, a statement that is not well-formed, a principal without its role, outside the time
policy. An authentic entry is ``valid`` while it counts, else ``expired``, or for an
``edited`` item (its definition changed since it was signed) or a ``removed`` one (no
longer in the checklists); authentic waivers and rejections are listed as such. Only
INVALID entries make ``verify`` fail: attestation files only grow, so old entries that
expired or no longer apply are history, not an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import Item
from .statement import format_time
from .store import Verdict

LABELS = ("valid", "expired", "edited", "removed", "waiver", "rejected", "INVALID")
_SUMMARY = {"valid": "valid", "expired": "expired", "edited": "for an edited item",
            "removed": "for a removed item", "waiver": "waiver", "rejected": "rejected"}


@dataclass(frozen=True)
class Finding:
    label: str  # one of LABELS
    where: str  # file:line
    text: str

    @property
    def line(self) -> str:
        return f"{self.label:<8}{self.where}: {self.text}"


def audit(verdict: Verdict, items: Mapping[tuple[str, str], Item] | None) -> Finding:
    """What to say of one checked entry; ``items`` (checklist, item id) → the item as it
    is now, when the checklists could be read."""
    where, st = verdict.entry.where, verdict.statement
    if st is None:
        return Finding("INVALID", where, verdict.error or "not authentic")
    verb = "waived" if st.kind == "waiver" else st.decision
    text = (f"{st.principal} ({st.role}) {verb} {st.checklist}::{st.item} for {st.project} "
            f"{st.release}{' in ' + st.environment if st.environment else ''}, until "
            f"{format_time(st.expires_at)}, key {verdict.fingerprint}")
    item = items.get((st.checklist, st.item)) if items is not None else None
    if verdict.error is not None:
        return Finding("expired", where, f"{text} — {verdict.error}")
    if items is not None and item is None:
        return Finding("removed", where, f"{text} — no such item in the checklists now")
    if item is not None and item.digest != st.item_digest:
        return Finding("edited", where, f"{text} — the item was edited after it was signed")
    if st.kind == "waiver":
        return Finding("waiver", where, text)
    return Finding("rejected" if st.decision == "rejected" else "valid", where, text)


def summary(findings: Iterable[Finding]) -> str:
    """``5 entries, 1 invalid (2 valid, 1 expired, 1 waiver)``."""
    counts = Counter(f.label for f in findings)
    kinds = [f"{counts[label]} {_SUMMARY[label]}" for label in LABELS[:-1] if counts[label]]
    return (f"{sum(counts.values())} entries, {counts['INVALID']} invalid"
            + (f" ({', '.join(kinds)})" if kinds else ""))
