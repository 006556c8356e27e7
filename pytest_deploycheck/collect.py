"""The pytest nodes: a checklist file, its sections, their items."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import state as state_mod
from .errors import ChecklistError
from .loader import load_checklist
from .model import Item, Section
from .units import format_duration


class ChecklistFile(pytest.File):
    """A YAML file with a top-level ``checklist:`` key."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        state = state_mod.get(self.config)
        display = state.display_path(self.path)
        try:
            settings = state.settings()
            text = self.path.read_text(encoding="utf-8")
            checklist = load_checklist(text, display, settings)
            state.claim_checklist(checklist)
        except ChecklistError as exc:
            raise self.CollectError(_collect_message(exc)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self.CollectError(f"{display}: cannot read the checklist: {exc}") from None
        for section in checklist.sections:
            yield SectionCollector.from_parent(self, name=section.id, section=section)


def _collect_message(exc: ChecklistError) -> str:
    count = len(exc.problems)
    head = "1 mistake" if count == 1 else f"{count} mistakes"
    return f"deploycheck: {head} in the checklist:\n" + "\n".join(
        f"  {p}" for p in exc.problems)


class SectionCollector(pytest.Collector):
    """A section of a checklist; ``ordered: true`` makes it a runbook."""

    def __init__(self, *, section: Section, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section

    def collect(self) -> Iterator[pytest.Item]:
        for item in self.section.items:
            yield ChecklistItem.from_parent(self, name=item.id, model=item)


@functools.cache
def _property(evidence_key: str) -> str:
    return f"evidence.{evidence_key}"


class ChecklistItem(pytest.Item):
    """One checklist item: an automated check or a manual sign-off."""

    def __init__(self, *, model: Item, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
        state = state_mod.get(self.config)
        for name in (model.phase, *model.tags, "manual" if model.attest else "automated"):
            mark = state.mark(name)  # what add_marker(name) does, without its lookups
            self.keywords[name] = mark
            self.own_markers.append(mark.mark)
        self.extra_keyword_matches.add(model.title)
        # plain strings, on every report of the item (JUnit XML reads them as properties)
        self.user_properties += [state.shared(("phase", model.phase)),
                                 state.shared(("section", model.section)),
                                 state.shared(("kind", model.kind))]
        reason = model.not_applicable_in(state.environment)
        if reason:
            self.add_marker(pytest.mark.skip(reason=reason))

    @property
    def section_id(self) -> str:
        assert self.parent is not None
        return self.parent.nodeid

    def setup(self) -> None:
        if self.model.ordered:
            blocker = state_mod.get(self.config).blocked_by.get(self.section_id)
            if blocker is not None:
                raise pytest.skip.Exception(
                    f"blocked by {blocker}: an earlier step of this ordered section did not pass",
                    _use_item_location=True)

    def runtest(self) -> None:
        model = self.model
        if model.attest is not None:
            result = state_mod.get(self.config).sign_off(model)
        else:
            result = state_mod.get(self.config).result(self.nodeid, model)
        self.stash[state_mod.RESULT] = result
        self.user_properties += [(_property(k), str(v)) for k, v in result.evidence.items()]
        self.user_properties.append(("duration", format_duration(result.duration)))
        if result.outcome == "failed":
            waived = state_mod.get(self.config).waiver(model) if model.check else None
            if waived is not None:  # an expected failure, never a pass
                pytest.xfail(f"{waived} — the check found: {result.message}")
            pytest.fail(result.message, pytrace=False)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.model.location.line - 1, f"{self.nodeid}: {self.model.title}"


__all__ = ["ChecklistFile", "ChecklistItem", "SectionCollector"]
