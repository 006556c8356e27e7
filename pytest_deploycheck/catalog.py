"""A project's checklists: :func:`discover` finds their files (the same for pytest, the
``deploycheck`` command and the demo), a :class:`Catalog` loads them for one run —
checklist ids unique in the project, the environment's host groups expanded once."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import inputs
from .documents import is_checklist
from .errors import ChecklistError, Problem
from .hosts.groups import HostGroup, HostRef, expand, hosts_of
from .loader import load_checklist
from .model import Checklist, Item
from .project import Settings
from .record import Planned

# a checklist that lost its ``checklist:`` key still has its sections
_SECTIONS_KEY = re.compile(r"^sections\s*:", re.MULTILINE)
# what makes a YAML file data: a top-level key, a list entry, a flow mapping or list
_DATA = re.compile(r"^(?:[^\s#%-][^#]*?:(?:\s|$)|-(?:\s|$)|[\[{])", re.MULTILINE)


def is_checklist_file(path: Path) -> bool:
    """Whether ``path`` is a YAML file to collect as a checklist: one with a top-level
    ``checklist:`` (or ``sections:``) key — or one that cannot be read or decoded, so that
    loading it reports why instead of the run leaving it out."""
    if path.suffix not in (".yaml", ".yml"):
        return False
    try:
        text = inputs.read_text(path)
    except inputs.Unreadable:
        return True
    return is_checklist(text) or _SECTIONS_KEY.search(text) is not None


def skipped(paths: Sequence[Path]) -> list[Path]:
    """The YAML files under the checklist ``paths`` that hold no data — empty, comments
    only, or a lone scalar — sorted: a checklist emptied by mistake is named, not silently
    left out (other YAML files there, attestations among them, are not checklists)."""
    found = set()
    for base in paths:
        for path in _yaml_under(base) if base.is_dir() else ():
            try:
                text = inputs.read_text(path)
            except inputs.Unreadable:
                continue  # collected, and reported as its collection error
            if _DATA.search(text) is None:
                found.add(path)
    return sorted(found)


def _yaml_under(directory: Path) -> Iterator[Path]:
    yield from directory.rglob("*.yaml")
    yield from directory.rglob("*.yml")


def discover(paths: Sequence[Path], targets: Sequence[Path] | None = None) -> list[Path]:
    """The checklist files under the checklist ``paths``, sorted. With ``targets`` (what a
    run names: files, directories), only those they lead to: a file named, or the files
    below both a target and a checklist path — never a whole repository."""
    found: set[Path] = set()
    for target in paths if targets is None else targets:
        if target.is_file():
            if is_checklist_file(target):
                found.add(target)
            continue
        for base in paths:
            if base.is_relative_to(target):
                start = base
            elif target.is_relative_to(base):
                start = target
            else:
                continue
            found.update(f for f in _yaml_under(start) if is_checklist_file(f))
    return sorted(found)


def shown(path: Path, rootdir: Path) -> str:
    """``path`` as users see it: relative to the project's root where it is below it."""
    return path.relative_to(rootdir).as_posix() if path.is_relative_to(rootdir) else str(path)


class Catalog:
    """The checklists of one run, loaded with ``settings``."""

    def __init__(self, settings: Settings, rootdir: Path) -> None:
        self.settings = settings
        self.rootdir = rootdir
        self._ids: dict[str, str] = {}  # checklist id → the file that uses it
        self._loaded: set[Path] = set()
        self._groups: tuple[HostGroup, ...] | ChecklistError | None = None

    def load(self, path: Path) -> Checklist:
        """The checklist in ``path``: ChecklistError for its mistakes (a checklist id
        another file uses among them, a file that cannot be read or is not UTF-8)."""
        self._loaded.add(path.resolve())
        display = shown(path, self.rootdir)
        try:
            text = inputs.read_text(path)
        except inputs.Unreadable as exc:
            raise ChecklistError([Problem(
                display, exc.line, exc.column, f"cannot read the checklist: {exc.reason}",
                hint="save it as UTF-8" if exc.line else None)]) from None
        checklist = load_checklist(text, display, self.settings)
        other = self._ids.setdefault(checklist.id, checklist.path)
        if other != checklist.path:
            loc = checklist.location
            raise ChecklistError([Problem(
                loc.path, loc.line, loc.column, f"duplicate checklist id {checklist.id!r}",
                field="checklist", hint=f"{other} already uses it; checklist ids are unique "
                "in a project")])
        return checklist

    def items(self, paths: Sequence[Path]) -> list[Item]:
        """Every item of the checklists under ``paths``, in file order."""
        return [item for path in discover(paths) for item in self.load(path).items]

    def hosts(self, item: Item) -> list[HostRef]:
        """The hosts ``item`` runs on (its ``on:`` groups, Ansible inventories read the
        first time); ChecklistError when an inventory cannot be read."""
        if self._groups is None:
            settings = self.settings
            try:
                self._groups = expand(settings.hosts, str(self.rootdir),
                                      settings.project.path or "the config",
                                      settings.environment)
            except ChecklistError as exc:
                self._groups = exc
        if isinstance(self._groups, ChecklistError):
            raise self._groups
        return hosts_of(self._groups, item.on)

    def planned(self, checklist: Checklist) -> dict[str, Planned]:
        """``checklist::item`` (``…[host]``) → its phase and its record before it runs,
        for every item of ``checklist`` that applies in this run's environment, one per
        host for an item with ``on:``: what the phases' gates wait for, whether a run
        selects them or not."""
        environment = self.settings.environment
        found: dict[str, Planned] = {}
        for item in checklist.items:
            if item.not_applicable_in(environment) is not None:
                continue
            ref = f"{item.checklist}::{item.id}"
            try:
                hosts = self.hosts(item) if item.on else []
            except ChecklistError:  # the item's collection error blocks every gate anyway
                hosts = []
            for order, host in enumerate(hosts):
                found[f"{ref}[{host.id}]"] = Planned.of(item, host, order)
            if not hosts:
                found[ref] = Planned.of(item)
        return found

    def planned_elsewhere(self, paths: Sequence[Path],
                          ) -> tuple[dict[str, Planned], dict[str, str]]:
        """What the gates wait for in the checklists under ``paths`` that this catalog has
        not loaded (those a run did not collect) — a phase spans every checklist — and the
        files among them that cannot be read or have mistakes (they close the gates), each
        with its first mistake."""
        planned: dict[str, Planned] = {}
        broken = {}
        for path in discover(paths):
            if path.resolve() in self._loaded:
                continue
            try:
                planned.update(self.planned(self.load(path)))
            except ChecklistError as exc:
                broken[shown(path, self.rootdir)] = str(exc.problems[0])
        return planned, broken
