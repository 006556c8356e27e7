"""The pytest nodes: a checklist file, its sections, their items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import state as state_mod
from .errors import ChecklistError
from .hosts import HostRef, hosts_of
from .loader import load_checklist
from .model import Item, Result, Section, Signer
from .report import junit
from .report.record import ItemRecord, make_record


class ChecklistFile(pytest.File):
    """A YAML file with a top-level ``checklist:`` key."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        state = state_mod.get(self.config)
        display = state.display_path(self.path)
        try:
            settings = state.prepared_settings()
            text = self.path.read_text(encoding="utf-8")
            checklist = load_checklist(text, display, settings)
            state.claim_checklist(checklist)
        except ChecklistError as exc:
            raise self.CollectError(_collect_message(exc)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self.CollectError(f"{display}: cannot read the checklist: {exc}") from None
        for section in checklist.sections:
            yield SectionCollector.from_parent(self, name=section.id, section=section,
                                               checklist_title=checklist.title)


def _collect_message(exc: ChecklistError) -> str:
    count = len(exc.problems)
    head = "1 mistake" if count == 1 else f"{count} mistakes"
    return f"deploycheck: {head} in the checklist:\n" + "\n".join(
        f"  {p}" for p in exc.problems)


class SectionCollector(pytest.Collector):
    """A section of a checklist; ``ordered: true`` makes it a runbook."""

    def __init__(self, *, section: Section, checklist_title: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section
        self.checklist_title = checklist_title

    def collect(self) -> Iterator[pytest.Item]:
        state = state_mod.get(self.config)
        environment = state.environment
        for item in self.section.items:
            if item.on and item.not_applicable_in(environment) is None:
                try:
                    groups = state.host_groups()
                except ChecklistError as exc:
                    raise self.CollectError(_collect_message(exc)) from None
                # once per host of its groups, in the config's order: the same on every
                # xdist worker
                for order, host in enumerate(hosts_of(groups, item.on)):
                    yield ChecklistItem.from_parent(self, name=f"{item.id}[{host.id}]",
                                                    model=item, host=host, host_order=order)
            else:
                yield ChecklistItem.from_parent(self, name=item.id, model=item)


class ChecklistItem(pytest.Item):
    """One checklist item: an automated check or a manual sign-off."""

    parent: SectionCollector

    def __init__(self, *, model: Item, host: HostRef | None = None, host_order: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.host = host
        self.host_order = host_order
        state = state_mod.get(self.config)
        if host is not None:  # -k web-2, -k web (the group)
            self.extra_keyword_matches.update((host.id, host.group))
        for name in (model.phase, *model.tags, "manual" if model.attest else "automated"):
            mark = state.mark(name)  # what add_marker(name) does, without its lookups
            self.keywords[name] = mark
            self.own_markers.append(mark.mark)
        self.extra_keyword_matches.add(model.title)
        # plain strings, on every report of the item (JUnit XML reads them as properties)
        self.user_properties += [state.shared(p) for p in junit.item_properties(model)]
        reason = model.not_applicable_in(state.environment)
        if reason:
            self.add_marker(pytest.mark.skip(reason=reason))

    @property
    def section_id(self) -> str:
        """What an ordered section's steps share: the section, on one host."""
        section = self.parent.nodeid
        return section if self.host is None else f"{section}[{self.host.id}]"

    def setup(self) -> None:
        if self.model.ordered:
            blocker = state_mod.get(self.config).blocked_by.get(self.section_id)
            if blocker is not None:
                reason = (f"blocked by {blocker}: an earlier step of this ordered section "
                          "did not pass")
                self.stash[state_mod.RECORD] = self._record("blocked", reason)
                raise pytest.skip.Exception(reason, _use_item_location=True)

    def runtest(self) -> None:
        model = self.model
        state = state_mod.get(self.config)
        if model.attest is not None:
            result = state.sign_off(model)
        else:
            result = state.result(self.nodeid, model, self.host)
        waiver = state.waiver(model) if result.outcome == "failed" and model.check else None
        if result.outcome == "passed":
            status, message = "passed", result.message
        elif waiver is not None:  # an expected failure, never a pass
            status = "waived"
            message = (f"waived by {waiver} until {waiver.expires_at}: {waiver.justification}"
                       f" — the check found: {result.message}")
        else:
            status, message = ("awaiting" if result.awaiting else "failed"), result.message
        self.stash[state_mod.RECORD] = self._record(status, message, result, waiver)
        if status == "waived":
            pytest.xfail(message)
        if status != "passed":
            pytest.fail(message, pytrace=False)

    def _record(self, status: str, message: str, result: Result | None = None,
                waiver: Signer | None = None) -> ItemRecord:
        section = self.parent.section
        return make_record(self.model, nodeid=self.nodeid,
                           checklist_title=self.parent.checklist_title,
                           section_title=section.title, section_line=section.location.line,
                           status=status, message=message, result=result, waiver=waiver,
                           host=self.host, host_order=self.host_order)

    def record_of(self, report: pytest.TestReport) -> ItemRecord | None:
        """The item's record if ``report`` decides its outcome (the call, or a setup
        that skipped or failed), else None."""
        if report.when == "teardown" or (report.when == "setup" and report.passed):
            return None
        made = self.stash.get(state_mod.RECORD, None)
        if made is not None:
            del self.stash[state_mod.RECORD]
            return made
        if report.skipped:  # a skip mark: not applicable here, or the user's own
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            environment = state_mod.get(self.config).environment
            status = "skipped" if self.model.not_applicable_in(environment) is None else (
                "not_applicable")
            return self._record(status, str(reason).removeprefix("Skipped: "))
        crash = getattr(report.longrepr, "reprcrash", None)  # something broke, not the check
        return self._record("error", crash.message if crash else str(report.longrepr))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.model.location.line - 1, f"{self.nodeid}: {self.model.title}"


__all__ = ["ChecklistFile", "ChecklistItem", "SectionCollector"]
