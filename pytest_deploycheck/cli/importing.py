"""``deploycheck import``: a Markdown checklist as checklist YAML that collects."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..imported import Imported

PHASES = ("predeploy", "deploy", "postdeploy", "rollback")


def run(args: argparse.Namespace) -> int:
    """Turn a Markdown checklist into checklist YAML: every checkbox an item (lists at any
    depth, tables with the box in any column, ☐ ☑ ✅ glyphs, HTML checkboxes), numbered
    steps as ordered sections, sign-off tables and lines as sign-offs by their role, the
    Who / Owner column as each item's role, sections from the headings and their phase
    from the headings' words. Items are manual; where the wording names a probe, a
    commented check template carries the text's numbers (--automate writes the complete
    ones as checks). The YAML is proved to collect before it is written."""
    from .. import inputs
    from ..imported import ImportBug, import_markdown
    from ..importer import slug

    source = Path(args.file)
    try:
        text = inputs.read_text(source)
    except inputs.Unreadable as exc:
        print(f"deploycheck import: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    checklist_id = args.id or slug(source.stem)
    try:
        found = import_markdown(text, checklist_id, source.name, phase_map=dict(args.phase_map),
                                automate=args.automate)
    except ImportBug as exc:
        print(f"deploycheck import: the YAML made from {source} would not collect — a bug of "
              f"deploycheck import, please report it with the file; nothing was written:\n"
              f"{exc}", file=sys.stderr)
        return 1
    for line, said in found.not_imported:
        print(f"deploycheck import: {source}:{line}: looks like a checkbox but is no item "
              f"(without text, or in code, or outside a list, table or paragraph): "
              f"{said[:80]}",
              file=sys.stderr)
    if found.items == 0:
        print(f"deploycheck import: {source} has no checklist lines (- [ ] items, ☐ table "
              "rows or numbered steps)", file=sys.stderr)
        return 1
    if args.output:
        target = Path(args.output)
        if target.exists() and not args.force:
            print(f"deploycheck import: {target} exists; pass --force to replace it",
                  file=sys.stderr)
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(found.yaml, encoding="utf-8")
    else:
        sys.stdout.write(found.yaml)
    _summary(found, checklist_id, args.output)
    return 0


def _summary(found: Imported, checklist_id: str, output: str | None) -> None:
    templates = found.yaml.count("# automate it:")
    say = [f"imported {found.items} items as checklist {checklist_id!r}"
           + (f" into {output}" if output else "")
           + (f"; {found.automated} automated" if found.automated else "")
           + f"; {templates} have a commented check template"]
    by: dict[tuple[str, str], list[str]] = {}
    for title, phase, heading in found.phases:
        by.setdefault((phase, heading), []).append(title)
    said = [f"{phase} ← {heading!r}" for (phase, heading), _ in by.items() if heading]
    default = [t for (_, heading), titles in by.items() if not heading for t in titles]
    say.append("phases: " + ("; ".join(said) or "none named by a heading"))
    if default:
        say.append(f"phases by default (predeploy): {', '.join(repr(t) for t in default)} — "
                   f"--phase-map '{default[0]}=PHASE' to set one")
    if found.roles:
        say.append(f"its sign-offs name the roles {', '.join(found.roles)}: declare each "
                   "under 'roles:' in the project config, with the principals who hold it:")
        say += ["roles:", *(f"  {r}: [{r}@example.com]" for r in found.roles)]
    if found.variables:
        say.append("its checks read these variables: set them under 'variables:' in the "
                   "project config:")
        say += ["variables:", *(f"  {name}: {value}" for name, value in found.variables)]
    for line in say:
        print(line, file=sys.stderr)


def _phase_pair(text: str) -> tuple[str, str]:
    heading, _, phase = text.rpartition("=")
    if not heading.strip() or phase.strip() not in PHASES:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 'Heading=PHASE', PHASE one of "
                                         f"{', '.join(PHASES)}")
    return heading.strip(), phase.strip()


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    found = commands.add_parser(
        "import", help="turn a Markdown checklist into checklist YAML", description=run.__doc__,
        epilog="example: deploycheck import docs/release-checklist.md -o checks/release.yaml "
               "--phase-map 'Launch day=deploy'")
    found.add_argument("file", help="the Markdown checklist")
    found.add_argument("-o", "--output", default=None,
                       help="write the YAML to this file (default: print it)")
    found.add_argument("--id", default=None, help="the checklist id (default: from the file "
                       "name)")
    found.add_argument("--force", action="store_true", help="replace an existing file")
    found.add_argument("--phase-map", action="append", type=_phase_pair, default=[],
                       metavar="HEADING=PHASE",
                       help="the phase of a heading's section (and those under it); repeat")
    found.add_argument("--automate", action="store_true",
                       help="write the proposed checks whose every value is known (from the "
                            "text, or a variable to set) instead of their sign-offs")
    found.set_defaults(func=run)
