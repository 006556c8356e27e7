"""An imported checklist (:mod:`.importer`) written as checklist YAML, and proved to collect
before anyone sees it: the loader reads the YAML with a project that declares the roles and
variables it names, and a mistake there is a bug of the import, said as one.

Ids come from the words (unique in the checklist, the same on every import of the same
file, so a re-import can be diffed); every string is quoted, so no id or title is read as a
number, a boolean or a date. With ``automate``, an item whose proposed check is complete
(:class:`~.proposals.Proposal`) gets it as its ``check``; the others stay manual, with the
proposal as a commented template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ChecklistError
from .importer import DEFAULT_ROLE, ImportedItem, Parsed, parse, slug
from .loader import load_checklist
from .project import Project


class ImportBug(Exception):
    """The YAML an import wrote would not collect: a bug of ``deploycheck import``."""


@dataclass(frozen=True)
class Imported:
    yaml: str
    items: int
    automated: int
    roles: tuple[str, ...]  # the roles its manual items name: the config must declare them
    variables: tuple[tuple[str, str], ...]  # what its checks read, with an example each
    phases: tuple[tuple[str, str, str], ...]  # (section, phase, the heading that set it)
    not_imported: tuple[tuple[int, str], ...]


def _quote(text: str) -> str:
    """A YAML string (JSON's quoting), read as written: ``${`` kept literal (``$${``)."""
    return json.dumps(text.replace("${", "$${"), ensure_ascii=False)


def _unique(base: str, used: set[str]) -> str:
    found, n = base, 2
    while found in used:
        found, n = f"{base}-{n}", n + 1
    used.add(found)
    return found


def _automatable(item: ImportedItem) -> bool:
    """Whether ``--automate`` writes ``item``'s proposal as its check: a complete one."""
    return item.proposal is not None and item.proposal.complete


def render(checklist_id: str, parsed: Parsed, source: str, automate: bool = False) -> str:
    """The checklist YAML, with commented templates where a check is proposed."""
    out = [f"# Imported from {source} by `deploycheck import`: items stay manual until you",
           "# give them a check; the commented templates show how.",
           f"checklist: {_quote(checklist_id)}", f"title: {_quote(parsed.title)}", "sections:"]
    section_ids: set[str] = set()
    item_ids: set[str] = set()
    for sec in parsed.sections:
        out += [f"  - id: {_quote(_unique(slug(sec.title), section_ids))}",
                f"    title: {_quote(sec.title)}", f"    phase: {sec.phase}"]
        if sec.ordered:
            out.append("    ordered: true")
        out.append("    items:")
        for item in sec.items:
            out += [f"      - id: {_quote(_unique(slug(item.title), item_ids))}",
                    f"        title: {_quote(item.title)}"]
            if item.description:
                out.append(f"        description: {_quote(item.description)}")
            if item.owner:  # who the text says does it, kept when a check replaces them
                out.append(f"        owner: {_quote(item.owner)}")
            proposal = item.proposal
            if automate and _automatable(item):
                assert proposal is not None
                out.append(f"        check: {{{proposal.text}}}")
                continue
            roles = ", ".join(_quote(r) for r in item.roles or (DEFAULT_ROLE,))
            out.append(f"        attest: {{roles: [{roles}]}}")
            if proposal is not None:
                out += ["        # automate it: replace 'attest' with", "        # check:",
                        f"        #   {proposal.text}"]
    return "\n".join(out) + "\n"


def _collects(text: str, roles: tuple[str, ...], variables: Mapping[str, str]) -> None:
    settings = Project(name="imported", roles={r: (f"{r}@example.com",) for r in roles},
                       variables=dict(variables)).select(None, None)
    try:
        load_checklist(text, "imported.yaml", settings)
    except ChecklistError as exc:
        raise ImportBug(exc.summary()) from None


def import_markdown(text: str, checklist_id: str, source: str, *,
                    phase_map: Mapping[str, str] | None = None,
                    automate: bool = False) -> Imported:
    """The checklist YAML of the Markdown checklist ``text`` (ImportBug if it would not
    collect)."""
    parsed = parse(text, phase_map)
    items = [i for s in parsed.sections for i in s.items]
    automated = [i for i in items if automate and _automatable(i)]
    manual = [i for i in items if not (automate and _automatable(i))]
    roles = tuple(dict.fromkeys(r for i in manual for r in i.roles or (DEFAULT_ROLE,)))
    variables = dict(v for i in automated if i.proposal for v in i.proposal.variables)
    yaml = render(checklist_id, parsed, source, automate)
    if items:
        _collects(yaml, roles, variables)
    return Imported(yaml, len(items), len(automated), roles, tuple(variables.items()),
                    tuple((s.title, s.phase, s.phase_from) for s in parsed.sections),
                    tuple(parsed.not_imported))
