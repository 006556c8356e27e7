"""Checklist YAML → :class:`~pytest_deploycheck.model.Checklist`, strictly.

Every mistake becomes a :class:`~pytest_deploycheck.errors.Problem` naming the
file, line, column, item and field; all problems of a file are reported at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from .documents import (
    ADAPTERS,
    REQUIRED,
    AttestDoc,
    ChecklistDoc,
    Inherited,
    ItemDoc,
    SectionDoc,
    doc_keys,
    environments,
    reason,
)
from .errors import ChecklistError, DeploycheckError, Problem
from .links import LinkMistake, link_of
from .model import Attest, CheckCall, Checklist, Hold, Item, Link, Location, Retry, Section
from .problems import Locator, merged, problems_from, spec_keys, suggest
from .project import Settings
from .registry import REGISTRY
from .variables import (
    UnknownVariable,
    check_env_references,
    env_names,
    expand,
    mentions_run_time,
    needs_run_time,
)
from .yamlsrc import KeyPath, Source, load


class _Builder:
    def __init__(self, source: Source, settings: Settings, text: str = "${") -> None:
        # files without any reference skip the per-value interpolation walk
        self.has_references = "${" in text
        self.source = source
        self.settings = settings
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  # worth saying, not worth refusing the file
        self.locate = Locator(source)
        self.digests: dict[tuple[Any, Any], str] = {}

    def problem(self, path: KeyPath, message: str, hint: str | None = None, *,
                key: bool = False, field_path: KeyPath | None = None,
                warning: bool = False) -> None:
        line, column = self.source.mark(path, key=key)
        item, field_name = self.locate(field_path if field_path is not None else path)
        (self.warnings if warning else self.problems).append(Problem(
            self.source.path, line, column, message, item=item, field=field_name or None,
            hint=hint))

    # -- variables ----------------------------------------------------------
    def interpolate(self, value: Any, path: KeyPath, in_check: bool) -> Any:
        if isinstance(value, str):
            if "${" not in value:
                return value
            bad = check_env_references(value)
            if bad:
                self.problem(path, bad, "write ${env:NAME} with NAME a variable name")
            elif not in_check and needs_run_time(value) and "${env:" in value:
                self.problem(path, "${env:…} can only be used inside a check",
                             "process environment variables are read when the check runs")
            try:
                return expand(value, self.settings.variables)
            except UnknownVariable as exc:
                self.problem(path, f"unknown variable ${{{exc.name}}}", exc.hint)
                return value
        if isinstance(value, dict):
            for key, child in value.items():
                inside = in_check or (len(path) == 4 and key == "check")
                value[key] = self.interpolate(child, (*path, key), inside)
        elif isinstance(value, list):
            for n, child in enumerate(value):
                value[n] = self.interpolate(child, (*path, n), in_check)
        return value

    # -- structure ----------------------------------------------------------
    def validate(self, doc: type, path: KeyPath) -> Any:
        """The data at ``path`` validated as ``doc``, or None if it is not a mapping.

        Problems are recorded; on errors the keys in error are dropped, so that
        the rest can still be checked and every mistake of a file is reported.
        """
        data = self.locate.get(path)
        adapter = ADAPTERS[doc]
        try:
            validated = adapter.validate_python(data)
        except ValidationError as exc:
            self.problems += problems_from(exc, self.source, path, self.locate, doc_keys)
            if not isinstance(data, dict):
                return None
            bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
            try:
                return adapter.validate_python({k: v for k, v in data.items() if k not in bad})
            except ValidationError:
                return doc()
        for name in REQUIRED[doc]:
            value = data.get(name)
            if value in (None, "", []):
                self.problem((*path, name) if name in data else path,
                             f"required key {name!r} is {'empty' if name in data else 'missing'}",
                             field_path=(*path, name))
        return validated

    def build(self) -> Checklist | None:
        data = self.source.data
        if not isinstance(data, dict) or "checklist" not in data:
            self.problem((), "not a checklist: the top level needs a 'checklist:' key")
            return None
        self.digests = _item_digests(data)  # as written, before variables are filled in
        if self.has_references:
            self.interpolate(data, (), False)
        doc = self.validate(ChecklistDoc, ())
        sections = []
        seen_sections: dict[str, int] = {}
        seen_items: dict[str, tuple[str, int]] = {}
        for s in range(len(doc.sections)):
            spath: KeyPath = ("sections", s)
            sdoc = self.validate(SectionDoc, spath)
            if sdoc is None:
                continue
            if sdoc.id in seen_sections:
                self.problem((*spath, "id"), f"duplicate section id {sdoc.id!r}",
                             f"it is already used on line {seen_sections[sdoc.id]}")
            seen_sections.setdefault(sdoc.id, self.source.mark((*spath, "id"))[0])
            items = []
            for i in range(len(sdoc.items)):
                ipath: KeyPath = (*spath, "items", i)
                idoc = self.validate(ItemDoc, ipath)
                if idoc is None:
                    continue
                if idoc.id in seen_items:
                    where = seen_items[idoc.id]
                    self.problem((*ipath, "id"), f"duplicate item id {idoc.id!r}",
                                 f"it is already used in section {where[0]!r} on line "
                                 f"{where[1]}; item ids are unique in a checklist")
                seen_items.setdefault(idoc.id, (sdoc.id, self.source.mark((*ipath, "id"))[0]))
                item = self.item(doc, sdoc, idoc, ipath)
                if item is not None:
                    items.append(item)
            if sdoc.ordered:  # a runbook: each step knows the steps before it
                items = [replace(item, earlier=tuple(items[:n])) for n, item in enumerate(items)]
            line, column = self.source.mark(spath)
            sections.append(Section(sdoc.id, sdoc.title, sdoc.ordered,
                                    Location(self.source.path, line, column), tuple(items)))
        line, column = self.source.mark(())
        return Checklist(doc.checklist, doc.title, self.source.path,
                         Location(self.source.path, line, column), doc.description,
                         tuple(sections), tuple(self.warnings))

    def inherit(self, path: KeyPath, *docs: Inherited) -> dict[str, Any]:
        """Effective inherited keys: the most specific doc that sets one wins;
        tags add up."""
        out: dict[str, Any] = {"tags": [], "except_in": [], "scope_reason": ""}
        for doc in docs:
            for name in ("phase", "severity", "owner", "timeout", "on"):
                if getattr(doc, name) is not None:
                    out[name] = getattr(doc, name)
            if doc.only_in is not None:
                out["only_in"] = environments(doc.only_in)
                out["scope_reason"] = reason(doc.only_in) or out["scope_reason"]
            out["except_in"] = [*out["except_in"], *environments(doc.except_in)]
            out["scope_reason"] = reason(doc.except_in) or out["scope_reason"]
            out["tags"] = [*out["tags"], *(t for t in doc.tags if t not in out["tags"])]
        return out

    def item(self, cdoc: ChecklistDoc, sdoc: SectionDoc, idoc: ItemDoc,
             path: KeyPath) -> Item | None:
        before = len(self.problems)
        eff = self.inherit(path, cdoc, sdoc, idoc)
        phase = eff.get("phase")
        phases = self.settings.project.phases
        if phase is None:
            self.problem(path, "no phase", "set 'phase' on the item, its section or the "
                         "checklist: one of " + ", ".join(phases), field_path=(*path, "phase"))
        elif phase not in phases:
            where = self.where_set(path, "phase", phase)
            self.problem(where, f"unknown phase {phase!r}",
                         suggest(phase, phases) or "known phases: " + ", ".join(phases),
                         field_path=(*path, "phase"))
        envs = self.settings.project.environment_names
        for key in ("only_in", "except_in"):
            for env in eff.get(key) or []:
                if env not in envs:
                    self.problem(self.where_set(path, key, env), f"unknown environment {env!r}",
                                 suggest(env, envs) or "known environments: " + ", ".join(envs),
                                 field_path=(*path, key))
        check = None
        written = self.locate.get(path) or {}  # as written: a key in error is still there
        if (written.get("check") is None) == (written.get("attest") is None):
            self.problem(path, "an item needs exactly one of 'check' (automated) or 'attest' "
                         "(manual)", field_path=(*path, "check"))
        elif idoc.check is not None:
            check = self.check(idoc.check, (*path, "check"))
        attest = self.attest(idoc.attest, (*path, "attest"), eff) if idoc.attest else None
        on = eff.get("on")
        groups = tuple([on] if isinstance(on, str) else on or ())
        if groups:
            self.check_hosts(path, groups, eff, idoc, check)
        links = self.links(idoc.links, (*path, "links"))
        hold = self.hold(idoc, path)
        if len(self.problems) > before or phase is None:
            return None
        line, column = self.source.mark(path)
        return Item(
            checklist=cdoc.checklist, section=sdoc.id, id=idoc.id, title=idoc.title,
            phase=phase, location=Location(self.source.path, line, column),
            description=idoc.description, tags=tuple(eff["tags"]),
            severity=eff.get("severity") or "medium", owner=eff.get("owner"),
            only_in=tuple(eff["only_in"]) if eff.get("only_in") is not None else None,
            except_in=tuple(eff["except_in"]),
            scope_reason=eff["scope_reason"],
            retry=Retry(idoc.retry.timeout, idoc.retry.interval) if idoc.retry else None,
            hold=hold,
            timeout=eff.get("timeout") or self.settings.project.timeout,
            check=check,
            attest=attest,
            ordered=sdoc.ordered,
            digest=self.digests.get((path[1], path[3]), ""),
            on=groups,
            checklist_title=cdoc.title, section_title=sdoc.title,
            section_line=self.source.mark(path[:2])[0], links=links,
        )

    def hold(self, idoc: ItemDoc, path: KeyPath) -> Hold | None:
        if idoc.hold is None:
            return None
        if idoc.attest is not None:
            self.problem((*path, "hold"), "'hold' repeats a check; a manual item has none",
                         "drop 'hold', or give the item a 'check'", key=True)
        elif idoc.retry is not None:
            self.problem((*path, "hold"), "'hold' and 'retry' together", "a hold runs the "
                         "check again and again already: drop 'retry'", key=True)
        doc = idoc.hold
        return Hold(doc.window, doc.every or max(doc.window / 10, 0.1), doc.failure_limit)

    def links(self, written: list[dict[str, str]], path: KeyPath) -> tuple[Link, ...]:
        found = []
        for n, entry in enumerate(written):
            try:
                found.append(link_of(entry, self.settings.project.link_templates))
            except LinkMistake as exc:
                self.problem((*path, n, *exc.at), exc.message, exc.hint, key=exc.key,
                             field_path=(*path, n))
        return tuple(found)

    def applies(self, eff: dict[str, Any]) -> bool:
        """Whether an item with these inherited keys applies in the run's environment."""
        environment = self.settings.environment
        only_in, except_in = eff.get("only_in"), eff.get("except_in", [])
        return (only_in is None or environment in only_in) and environment not in except_in

    def attest(self, doc: AttestDoc, path: KeyPath, eff: dict[str, Any]) -> Attest:
        """Who signs a manual item; every role it names must be a role of the config
        (for an item that applies here), and a role nobody holds is worth a warning."""
        known = self.settings.project.roles
        for n, role in enumerate(doc.named) if self.applies(eff) else ():
            where: KeyPath = (*path, "require", role) if doc.require else (*path, "roles", n)
            if role not in known:
                hint = suggest(role, known) or (
                    "known roles: " + ", ".join(known) if known else
                    "declare it under 'roles:' in the project config, with its principals")
                self.problem(where, f"unknown role {role!r}", hint, key=bool(doc.require),
                             field_path=where)
            elif not known[role]:
                self.problem(where, f"role {role!r} has no holder: nobody can sign this item",
                             f"name its principals under roles.{role} in the project config",
                             key=bool(doc.require), field_path=where, warning=True)
        if doc.require is not None:
            return Attest(tuple(doc.require), sum(doc.require.values()),
                          tuple(doc.require.items()))
        return Attest(tuple(doc.roles or ()), doc.quorum)

    def check_hosts(self, path: KeyPath, groups: tuple[str, ...], eff: dict[str, Any],
                    idoc: ItemDoc, check: CheckCall | None) -> None:
        """``on:`` names host groups of the environment, for a check that can run there."""
        where = self.where_set(path, "on", eff["on"])
        if idoc.attest is not None:
            self.problem(where, "a manual item is signed off once, not on each host",
                         "drop 'on' here, or move the item out of the section that sets it",
                         field_path=(*path, "on"))
            return
        if check is not None:
            check_type = REGISTRY.get(check.type)
            if check_type is not None and not check_type.on_hosts:
                capable = [n for n in REGISTRY.names() if _runs_on_hosts(n)]
                self.problem(where, f"check type {check.type!r} cannot run on a host",
                             "types that can: " + ", ".join(capable),
                             field_path=(*path, "on"))
                return
        environment = self.settings.environment
        if not self.applies(eff):
            return  # not applicable here: collected once, and skipped
        known = {g.name for g in self.settings.hosts}
        for group in groups:
            if group not in known:
                names = ", ".join(sorted(known)) or "none"
                self.problem(where, f"unknown host group {group!r} in environment "
                             f"{environment!r}", suggest(group, known)
                             or f"its host groups: {names} (environments.{environment}.hosts "
                             "in the config)", field_path=(*path, "on"))

    def where_set(self, path: KeyPath, key: str, value: Any) -> KeyPath:
        """The path of the checklist, section or item key that set an inherited value."""
        for scope in (path, path[:2], ()):
            node = self.locate.get(scope)
            if isinstance(node, dict) and key in node:
                at: KeyPath = (*scope, key)
                found = node[key]
                if isinstance(found, dict) and isinstance(found.get("environments"), list):
                    at, found = (*at, "environments"), found["environments"]
                if found == value:
                    return at
                if isinstance(found, list) and value in found:
                    return (*at, found.index(value))
        return path

    def check(self, raw: dict[str, Any], path: KeyPath) -> CheckCall | None:
        if len(raw) != 1:
            names = ", ".join(raw) or "none"
            self.problem(path, f"a check names exactly one check type, found {len(raw)}: {names}",
                         "known check types: " + ", ".join(REGISTRY.names()))
            return None
        (name, params), = raw.items()
        try:
            check_type = REGISTRY.get(name)
        except (DeploycheckError, ImportError) as exc:
            self.problem((*path, name), f"check type {name!r} could not be loaded: {exc}",
                         key=True)
            return None
        if check_type is None:
            hint = suggest(name, REGISTRY.names())
            known = "known check types: " + ", ".join(REGISTRY.names())
            self.problem((*path, name), f"unknown check type {name!r}",
                         f"{hint} {known}" if hint else known, key=True)
            return None
        if params is None:
            params = {}
        try:
            spec = check_type.adapter.validate_python(params)
        except ValidationError as exc:
            self.problems += problems_from(exc, self.source, (*path, name), self.locate,
                                           spec_keys(check_type.spec))
            return None
        run_time = self.has_references and mentions_run_time(params)
        return CheckCall(name, spec, check_type.only_reads(spec), run_time,
                         tuple(sorted(set(env_names(params)))) if run_time else ())



def _item_digests(data: dict[str, Any]) -> dict[tuple[Any, Any], str]:
    """``sha256:…`` of each item's definition as written (canonical JSON)."""
    digests = {}
    sections = data.get("sections")
    for s, section in enumerate(sections if isinstance(sections, list) else []):
        items = section.get("items") if isinstance(section, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            canonical = json.dumps(item, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False, default=str)
            digests[(s, i)] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    return digests



def _runs_on_hosts(name: str) -> bool:
    try:
        found = REGISTRY.get(name)
    except (DeploycheckError, ImportError):
        return False
    return found is not None and found.on_hosts


def load_checklist(text: str, path: str, settings: Settings) -> Checklist:
    """Parse and validate one checklist file (``path`` as shown to users)."""
    source = load(text, path, full=False)
    builder = _Builder(source, settings, text)
    checklist = builder.build()
    if (builder.problems or checklist is None) and not source.full:
        builder = _Builder(load(text, path), settings, text)  # again, to locate each problem
        checklist = builder.build()
    if builder.problems or checklist is None:
        raise ChecklistError(merged(builder.problems))
    return checklist


__all__ = ["load_checklist"]
