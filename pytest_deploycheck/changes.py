"""What changed since an earlier run: two run documents (the JSON of
``--deploycheck-json``) compared, item by item and file by file.

Only the phases of the later run are compared — a predeploy run is not "missing" the
rollback items of a full run before it. An item is the same item when its reference is
(``checklist::id``, ``[host]`` for a host's item); it is *edited* when the digest of its
definition as written differs. For the items both runs have:

- **newly failing**: it blocks now (failed, error, awaiting or invalid sign-off,
  blocked) and did not before;
- **newly passing**: it passes now (passed or waived) and blocked before;
- **sign-offs that no longer count**: a sign-off (principal, role, key) that counted
  before and does not now — the item was edited, the statement expired or was removed,
  the key was revoked;
- **waivers that lapsed**: waived before, not now.

Files: every checklist, allowed_signers and attestation file whose digest differs, or
that one run has and the other has not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import inputs
from .errors import DeploycheckError
from .outcome import BLOCKING, LABELS

PASSING = ("passed", "waived")
FORMAT = "pytest-deploycheck/1"


class NotARun(DeploycheckError):
    """The document is not the JSON of a run (``--deploycheck-json``), or cannot be read."""


@dataclass(frozen=True)
class ItemChange:
    ref: str
    title: str
    before: str  # status, or "" when the item was not in the earlier run
    after: str
    note: str = ""  # what it says now: the message, or who no longer counts

    def text(self) -> str:
        words = f"{LABELS.get(self.before, self.before)} → {LABELS.get(self.after, self.after)}"
        return f"{self.ref} ({self.title}): {words}" + (f" — {self.note}" if self.note else "")


@dataclass
class Changes:
    """What differs between an earlier run (``before``) and this one."""

    before: str  # "demo-trader 1.4.0 in demo, 2026-11-30T10:00:00Z"
    newly_failing: list[ItemChange] = field(default_factory=list)
    newly_passing: list[ItemChange] = field(default_factory=list)
    added: list[ItemChange] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    edited: list[ItemChange] = field(default_factory=list)
    signoffs_lost: list[ItemChange] = field(default_factory=list)
    waivers_lapsed: list[ItemChange] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # "checks/x.yaml: changed"

    SECTIONS = (("newly_failing", "newly failing"), ("newly_passing", "newly passing"),
                ("edited", "edited"), ("added", "added"), ("removed", "removed"),
                ("signoffs_lost", "sign-offs that no longer count"),
                ("waivers_lapsed", "waivers that lapsed"))

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name, _ in self.SECTIONS) or bool(self.files)

    def lines(self) -> list[tuple[str, list[str]]]:
        """Each kind of change that happened, with one line per change."""
        found = [(title, [c.text() for c in getattr(self, name)])
                 for name, title in self.SECTIONS if getattr(self, name)]
        if self.files:
            found.append(("files changed", list(self.files)))
        return found

    def summary(self) -> str:
        """``since 1.4.0 …: 2 newly failing, 1 edited`` (or ``no changes``)."""
        counts = [f"{len(getattr(self, name))} {title}" for name, title in self.SECTIONS
                  if getattr(self, name)]
        if self.files:
            counts.append(f"{len(self.files)} file{'s' if len(self.files) > 1 else ''} changed")
        return f"since {self.before}: " + (", ".join(counts) if counts else "no changes")

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "files": self.files, **{
            name: [{"item": c.ref, "title": c.title, "before": c.before or None,
                    "after": c.after or None, "note": c.note} for c in getattr(self, name)]
            for name, _ in self.SECTIONS}}

    def of_item(self, ref: str) -> list[str]:
        """The changes of one item, in words: ``newly failing``, ``edited`` …"""
        return [title for name, title in self.SECTIONS
                if any(c.ref == ref for c in getattr(self, name))]


def check_document(data: object, where: str) -> dict[str, Any]:
    """``data`` if it is a run document, else NotARun naming ``where``."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise NotARun(f"{where}: not the JSON of a deploycheck run (format {found!r}, "
                      f"expected {FORMAT!r}; write one with --deploycheck-json)")
    if not isinstance(data.get("items"), list):
        raise NotARun(f"{where}: the run document has no list of items")
    return data


def read_run(path: Path, shown: str | None = None) -> dict[str, Any]:
    """The run document in the file at ``path`` (NotARun, naming it, when it cannot be
    read, is not JSON, or is not a run's)."""
    where = shown or str(path)
    try:
        data = json.loads(inputs.read_text(path, limit=inputs.MAX_REPORT))
    except inputs.Unreadable as exc:
        raise NotARun(f"{where}: cannot read it: {exc}") from None
    except json.JSONDecodeError as exc:
        raise NotARun(f"{where}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    return check_document(data, where)


def ref_of(item: Mapping[str, Any]) -> str:
    host = f"[{item['host']}]" if item.get("host") else ""
    return f"{item.get('checklist')}::{item.get('id')}{host}"


def _signoffs(item: Mapping[str, Any], kind: str) -> dict[tuple[str, str, str], Any]:
    return {(s.get("principal"), s.get("role"), s.get("fingerprint")): s
            for s in item.get("signers") or () if s.get("kind", "attestation") == kind}


def _files(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    found = []
    for group in ("checklists", "allowed_signers", "attestations"):
        old = (before.get("files") or {}).get(group) or {}
        new = (after.get("files") or {}).get(group) or {}
        for path in sorted(set(old) | set(new)):
            if path not in old:
                found.append(f"{path}: added")
            elif path not in new:
                found.append(f"{path}: removed")
            elif old[path] != new[path]:
                found.append(f"{path}: changed ({old[path][:19]}… → {new[path][:19]}…)")
    return found


def describe(document: Mapping[str, Any]) -> str:
    """``demo-trader 1.4.0 in demo, run 2026-11-30T10:00:00Z``."""
    release = document.get("release") or "(release not set)"
    return (f"{document.get('project')} {release} in {document.get('environment')}, "
            f"run {document.get('started')}")


def compare(before: Mapping[str, Any], after: Mapping[str, Any],
            phases: Iterable[str] | None = None) -> Changes:
    """What changed from the run ``before`` to the run ``after`` (both run documents), in
    ``phases`` (default: those of ``after``'s items)."""
    wanted = set(phases) if phases is not None else {i.get("phase") for i in after["items"]}
    old = {ref: i for ref, i in index(before).items() if i.get("phase") in wanted}
    new = {ref_of(i): i for i in after["items"] if i.get("phase") in wanted}
    found = Changes(describe(before), files=_files(before, after))
    for ref, item in new.items():
        add(found, ref, old.get(ref), item)
    planned = {ref for gate in after.get("gates") or () for ref in
               (gate.get("not_run") or {}).get("items") or ()}  # there still, not run now
    found.removed = [ItemChange(ref, i.get("title", ""), i.get("outcome", ""), "")
                     for ref, i in old.items() if ref not in new and ref not in planned]
    return found


def add(found: Changes, ref: str, was: Mapping[str, Any] | None,
        item: Mapping[str, Any]) -> None:
    """The changes of one item (``was``: the earlier run's, None if it had none)."""
    status, title = item.get("outcome", ""), item.get("title", "")
    if was is None:
        found.added.append(ItemChange(ref, title, "", status))
        return
    then, message = was.get("outcome", ""), item.get("message", "")
    if status in BLOCKING and then not in BLOCKING:
        found.newly_failing.append(ItemChange(ref, title, then, status, message))
    elif status in PASSING and then in BLOCKING:
        found.newly_passing.append(ItemChange(ref, title, then, status))
    if was.get("digest") and item.get("digest") and was["digest"] != item["digest"]:
        found.edited.append(ItemChange(ref, title, then, status))
    now = _signoffs(item, "attestation")
    for key, signoff in _signoffs(was, "attestation").items():
        if key not in now:
            found.signoffs_lost.append(ItemChange(
                ref, title, then, status, f"{signoff.get('principal')} ({signoff.get('role')})"
                f" with key {signoff.get('fingerprint')} no longer counts"
                + (f": {message}" if status not in PASSING and message else "")))
    if then == "waived" and status != "waived":
        found.waivers_lapsed.append(ItemChange(ref, title, then, status, message))


_INDEXES: dict[int, tuple[Mapping[str, Any], dict[str, Mapping[str, Any]]]] = {}


def index(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The items of a run document by reference (made once per document)."""
    held = _INDEXES.get(id(document))
    if held is None or held[0] is not document:
        held = _INDEXES[id(document)] = (document, {ref_of(i): i for i in document["items"]})
    return held[1]


def of_item(before: Mapping[str, Any], item: Mapping[str, Any]) -> list[str]:
    """How one item of this run changed since the run ``before``: ``newly failing``,
    ``edited`` … (for its JUnit properties)."""
    found = Changes("")
    ref = ref_of(item)
    add(found, ref, index(before).get(ref), item)
    return found.of_item(ref)
