"""The pytest nodes: a checklist file, its sections, their items. An item asks the run
for its record and turns the record's status into pass, fail, xfail or skip. Once
collected, the run is readied for the items (:meth:`~pytest_deploycheck.run.Run.prepare`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import current, options

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..hosts.groups import HostRef
    from ..model import Item, Section
    from ..record import ItemRecord, Planned
    from ..run import Case

RECORD: pytest.StashKey[ItemRecord] = pytest.StashKey()  # until the item's report takes it
CATALOG: pytest.StashKey[Catalog] = pytest.StashKey()
MARKS: pytest.StashKey[dict[str, pytest.MarkDecorator]] = pytest.StashKey()
PLANNED: pytest.StashKey[dict[str, Planned]] = pytest.StashKey()  # what the gates wait for
UNREAD: pytest.StashKey[dict[str, str]] = pytest.StashKey()  # uncollected, with mistakes


def catalog(config: pytest.Config) -> Catalog:
    """The checklists this process collects (made with the environment hooks' variables)."""
    found = config.stash.get(CATALOG, None)
    if found is None:
        from ..catalog import Catalog

        found = config.stash[CATALOG] = Catalog(current.settings(config, prepared=True),
                                                config.rootpath)
    return found


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ChecklistFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    wanted = any(file_path.is_relative_to(p) for p in options.layout(parent.config).paths)
    if not (wanted or parent.session.isinitpath(file_path)):
        return None
    from ..catalog import is_checklist_file

    return ChecklistFile.from_parent(parent, path=file_path) if is_checklist_file(
        file_path) else None


class ChecklistFile(pytest.File):
    """A YAML file with a top-level ``checklist:`` key."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        from ..errors import ChecklistError, DeploycheckWarning

        try:
            found = catalog(self.config)
            checklist = found.load(self.path)
            self.config.stash.setdefault(PLANNED, {}).update(found.planned(checklist))
        except ChecklistError as exc:
            raise self.CollectError(exc.summary()) from None
        for warning in checklist.warnings:
            self.warn(DeploycheckWarning(str(warning)))
        for section in checklist.sections:
            yield SectionCollector.from_parent(self, name=section.id, section=section)


class SectionCollector(pytest.Collector):
    """A section of a checklist; ``ordered: true`` makes it a runbook."""

    def __init__(self, *, section: Section, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section

    def collect(self) -> Iterator[pytest.Item]:
        from ..errors import ChecklistError

        environment = current.settings(self.config).environment
        for item in self.section.items:
            if not item.on or item.not_applicable_in(environment) is not None:
                yield ChecklistItem.from_parent(self, name=item.id, model=item)
                continue
            try:  # once per host of its groups, in the config's order: the same on every worker
                hosts = catalog(self.config).hosts(item)
            except ChecklistError as exc:
                raise self.CollectError(exc.summary()) from None
            for order, host in enumerate(hosts):
                yield ChecklistItem.from_parent(self, name=f"{item.id}[{host.id}]", model=item,
                                                host=host, host_order=order)


class ChecklistItem(pytest.Item):
    """One checklist item (on one host): an automated check or a manual sign-off."""

    def __init__(self, *, model: Item, host: HostRef | None = None, host_order: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Case, item_properties = _parts()
        self.case = Case(model, self.nodeid, host, host_order)
        if host is not None:  # -k web-2, -k web (the group)
            self.extra_keyword_matches.update((host.id, host.group))
        marks = self.config.stash.setdefault(MARKS, {})
        for name in (model.phase, *model.tags, "manual" if model.attest else "automated"):
            mark = marks.get(name) or _mark(self.config, marks, name)
            self.keywords[name] = mark  # what add_marker(name) does, without its lookups
            self.own_markers.append(mark.mark)
        self.extra_keyword_matches.add(model.title)
        # plain strings, on every report of the item (JUnit XML reads them as properties)
        self.user_properties += item_properties(model)
        reason = model.not_applicable_in(current.settings(self.config).environment)
        if reason:
            self.add_marker(pytest.mark.skip(reason=reason))

    def setup(self) -> None:
        record = current.run_of(self.config).blocked(self.case)
        if record is not None:
            self.stash[RECORD] = record
            raise pytest.skip.Exception(record.message, _use_item_location=True)

    def runtest(self) -> None:
        record = self.stash[RECORD] = current.run_of(self.config).record(self.case)
        if record.status == "waived":
            pytest.xfail(record.message)
        if record.status != "passed":
            pytest.fail(record.message, pytrace=False)

    def reportinfo(self) -> tuple[Path, int, str]:
        model = self.case.item
        return self.path, model.location.line - 1, f"{self.nodeid}: {model.title}"


@functools.cache
def _parts() -> tuple[type[Case], Callable[[Item], list[tuple[str, str]]]]:
    """What every item is made with (imported once a run meets a checklist)."""
    from ..report.evidence import item_properties
    from ..run import Case

    return Case, item_properties


def _mark(config: pytest.Config, marks: dict[str, pytest.MarkDecorator],
          name: str) -> pytest.MarkDecorator:
    """The marker ``name``, registered as a checklist tag if nothing registered it, so
    that ``--strict-markers`` accepts it."""
    if name not in {line.split(":")[0].strip() for line in config.getini("markers")}:
        config.addinivalue_line("markers", f"{name}: deploycheck checklist tag")
    return marks.setdefault(name, getattr(pytest.mark, name))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    items = [i.case.item for i in session.items if isinstance(i, ChecklistItem)]
    if items:  # secrets masked from the first report on, imports before the first probe
        current.run_of(config).prepare(items, imports=not config.option.collectonly)
    if CATALOG in config.stash and not config.option.collectonly:
        # the checklists the run did not collect count for the gates too
        planned, broken = catalog(config).planned_elsewhere(options.layout(config).paths)
        config.stash.setdefault(PLANNED, {}).update(planned)
        config.stash[UNREAD] = broken
