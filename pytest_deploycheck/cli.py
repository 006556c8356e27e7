"""The ``deploycheck`` command.

Exit codes: 0 success, 1 the command found a problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import DeploycheckError
from .registry import REGISTRY

if TYPE_CHECKING:
    from .layout import Layout
    from .model import Item
    from .project import Settings


def _open(args: argparse.Namespace) -> tuple[Layout, Settings]:
    """The project as ``pytest`` sees it from ``--rootdir``: its root dir and ini settings
    (``deploycheck_config``, ``deploycheck_paths``, ``deploycheck_env``,
    ``deploycheck_release``) found the way pytest finds them, ``--config`` and ``--paths``
    over them; then the settings, chosen as pytest chooses them."""
    import os
    from dataclasses import replace

    from .plugin.options import load_layout
    from .project import Requested, load_project, settings_for

    where = load_layout(Path(args.rootdir).resolve())
    if getattr(args, "config", None):
        where = replace(where, config=where.rootdir / args.config)
    if getattr(args, "paths", None):
        where = replace(where, paths=tuple(where.rootdir / p for p in args.paths))
    project = load_project(where.config, where.shown(where.config), where.rootdir.name)
    asked = {name: getattr(args, name, None) for name in ("environment", "release", "commit")}
    return where, settings_for(project, Requested.first_set(asked, os.environ, where.ini),
                               where.rootdir)


def _items(where: Layout, settings: Settings) -> list[Item]:
    from .catalog import Catalog

    return Catalog(settings, where.rootdir).items(where.paths)


def _types(args: argparse.Namespace) -> int:
    """List the check types this installation knows."""
    for name in REGISTRY.names():
        try:
            check = REGISTRY.get(name)
        except (DeploycheckError, ImportError) as exc:
            print(f"{name:<12} (cannot be loaded: {exc})")
            continue
        summary = check.summary if check else ""
        if check is None:
            concurrency = ""
        elif callable(check.read_only):
            concurrency = "read-only when declared"
        else:
            concurrency = "read-only" if check.read_only else "runs alone"
        print(f"{name:<12} {summary}  [{concurrency}]")
    return 0


def _attest(args: argparse.Namespace) -> int:
    """Sign off a manual item: write the statement, sign it with ssh-keygen, append it."""
    from datetime import datetime, timedelta, timezone

    from .attest import sign as sign_mod
    from .attest import store
    from .attest.sshsig import PublicKey, SignatureError
    from .attest.statement import render
    from .errors import ChecklistError
    from .units import parse_duration

    try:
        where, settings = _open(args)
        item = sign_mod.find_item(_items(where, settings), args.item,
                                  ", ".join(where.shown(p) for p in where.paths), args.kind)
        lifetime = timedelta(seconds=parse_duration(args.expires))
        key_path = Path(args.key).expanduser()
        public_path = key_path if key_path.suffix == ".pub" else Path(f"{key_path}.pub")
        key = PublicKey.from_openssh(public_path.read_text(encoding="utf-8"))
        trust = store.trust_from(settings.project, where.rootdir)
        principal = args.principal or sign_mod.principal_of(
            trust.signers, key, settings.project.roles.get(args.role, ()))
        statement = sign_mod.statement_for(
            item, settings, principal=principal, role=args.role, decision=args.decision,
            justification=args.justification, lifetime=lifetime,
            environment=args.environment,
            commit=args.commit, kind=args.kind)
        text = render(statement)
        signature = sign_mod.sign(text, key_path)
        entry = store.Entry(text, signature, "new entry")
        verdict = store.verify_entry(entry, trust, datetime.now(timezone.utc))
        if not verdict.valid:
            print(f"deploycheck attest: not written, the signed entry would not count: "
                  f"{verdict.error}", file=sys.stderr)
            return 1
        target = where.rootdir / settings.project.attestations
        if not target.suffix:
            target = target / f"{principal}.yaml"
        sign_mod.append(target, sign_mod.entry_text(text, signature))
    except (ChecklistError, SignatureError, sign_mod.SignError) as exc:
        print(f"deploycheck attest: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"deploycheck attest: {exc}", file=sys.stderr)
        return 2
    verb = "waived" if args.kind == "waiver" else statement.decision
    print(f"{verb} {item.checklist}::{item.id} for release {statement.release} "
          f"as {principal} ({args.role}) with key {key.fingerprint}; appended to "
          f"{where.shown(target)}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Re-check every signed entry; one line each. Exit 1 if any entry is invalid."""
    from datetime import datetime, timezone

    from .attest import store
    from .attest.sshsig import SignatureError
    from .attest.statement import format_time
    from .errors import ChecklistError

    try:
        where, settings = _open(args)
        root, project = where.rootdir, settings.project
        trust = store.trust_from(project, root)
        targets = [Path(f) for f in args.files] or [root / project.attestations]
        files = [path for target in targets for path in store.attestation_files(target)]
        now = datetime.now(timezone.utc)
        invalid = 0
        count = 0
        for path in files:
            for entry in store.read_entries(path.read_text(encoding="utf-8"), where.shown(path)):
                verdict = store.verify_entry(entry, trust, now)
                count += 1
                st = verdict.statement
                if st is None:
                    invalid += 1
                    print(f"INVALID {entry.where}: {verdict.error}")
                else:
                    print(f"valid   {entry.where}: {st.principal} ({st.role}) {st.decision} "
                          f"{st.checklist}::{st.item} for {st.project} {st.release}"
                          f"{' in ' + st.environment if st.environment else ''}, until "
                          f"{format_time(st.expires_at)}, key {verdict.fingerprint}")
    except (ChecklistError, SignatureError) as exc:
        print(f"deploycheck verify: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"deploycheck verify: {exc}", file=sys.stderr)
        return 1
    print(f"{count} entries, {invalid} invalid")
    return 1 if invalid else 0


def _status(args: argparse.Namespace) -> int:
    """What each manual item still needs, and from which roles. Exit 1 while any waits."""
    from .attest.signoffs import Binding, SignOffs, decide
    from .attest.sshsig import SignatureError
    from .errors import ChecklistError

    try:
        where, settings = _open(args)
        items = [i for i in _items(where, settings)
                 if i.attest is not None and i.not_applicable_in(settings.environment) is None]
        ledger = SignOffs(settings, where.rootdir).ledger()
    except (ChecklistError, SignatureError, OSError) as exc:
        print(f"deploycheck status: {exc}", file=sys.stderr)
        return 1
    verdicts, broken = ([], ledger) if isinstance(ledger, str) else (ledger[1], None)
    waiting: dict[str, int] = {}
    done = 0
    print(f"{settings.project.name} release {settings.release or '(not set)'}, environment "
          f"{settings.environment}")
    for item in items:
        assert item.attest is not None
        decision = decide(item.attest, verdicts, Binding.of(item, settings))
        print(f"  {'☑' if decision.passed else '☐'} {item.checklist}::{item.id} "
              f"({item.title}): {decision.message}")
        if decision.passed:
            done += 1
        else:
            for role in item.attest.roles:
                waiting[role] = waiting.get(role, 0) + 1
    print(f"{len(items)} manual items: {done} signed off, {len(items) - done} waiting"
          + (" — roles still to sign: " + ", ".join(f"{r} ({n})" for r, n in waiting.items())
             if waiting else ""))
    if broken:
        print(f"deploycheck status: {broken}", file=sys.stderr)
    return 1 if waiting or broken else 0


def _init(args: argparse.Namespace) -> int:
    """Start a project: checks/ with a config, a sample checklist, an empty
    allowed_signers and the attestations directory (and .gitattributes so attestation
    files keep their exact bytes). Run `pytest -m predeploy` next."""
    from .scaffold import scaffold

    root = Path(args.rootdir)
    written, existing = scaffold(root, args.force)
    if existing:
        print(f"deploycheck init: not written, these exist: {', '.join(existing)} (pass "
              "--force to replace them)", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print("next: pytest -m predeploy  (the sign-off waits: see `deploycheck attest --help`); "
          "deploycheck schema -o checklist.schema.json for your editor")
    return 0


def _import(args: argparse.Namespace) -> int:
    """Turn a Markdown checklist (- [ ] lists under headings, ☐ tables, numbered steps,
    sign-off tables) into checklist YAML: one manual item per line, sections from the
    headings, phases guessed from them, a commented check template where the wording
    names something a check type probes."""
    from .importer import import_markdown, slug

    source = Path(args.file)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"deploycheck import: cannot read {source}: "
              f"{getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 1
    checklist_id = args.id or slug(source.stem)
    yaml_text, count, roles = import_markdown(text, checklist_id, source.name)
    if count == 0:
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
        target.write_text(yaml_text, encoding="utf-8")
    else:
        sys.stdout.write(yaml_text)
    templates = yaml_text.count("# automate it:")
    print(f"imported {count} items as checklist {checklist_id!r}"
          + (f" into {args.output}" if args.output else "")
          + f"; {templates} have a commented check template", file=sys.stderr)
    print(f"its sign-offs name the roles {', '.join(roles)}: declare each under 'roles:' in "
          "the project config, with the principals who hold it", file=sys.stderr)
    return 0


def _schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the checklist format (one fragment per check type), for
    editors: save it, then put '# yaml-language-server: $schema=PATH' atop a checklist."""
    import json

    from .schema import checklist_schema

    text = json.dumps(checklist_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _project_options(parser: argparse.ArgumentParser, paths: bool = True) -> None:
    parser.add_argument("--rootdir", default=".",
                        help="where to look for the project, as pytest does from there "
                             "(default: .)")
    parser.add_argument("--config", default=None,
                        help="the project config, relative to the root dir (default: ini "
                             "deploycheck_config, checks/deploycheck.yaml)")
    if paths:
        parser.add_argument("--paths", nargs="+", default=None,
                            help="where checklists live (default: ini deploycheck_paths, "
                                 "checks)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deploycheck",
        description="Deployment checklists as pytest items. Run the checklists with "
                    "`pytest -m PHASE`; this command manages them.",
        epilog="exit codes: 0 success, 1 a problem was found, 2 usage error",
    )
    parser.add_argument("--version", action="version", version=f"deploycheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    types = commands.add_parser("types", help="list the check types that can be used",
                                description=_types.__doc__)
    types.set_defaults(func=_types)

    for name, kind in (("attest", "attestation"), ("waive", "waiver")):
        if kind == "attestation":
            sub = commands.add_parser(
                name, help="sign off a manual item with your SSH key",
                description=_attest.__doc__,
                epilog="example: deploycheck attest security-signoff --role security-lead "
                       "--key ~/.ssh/id_ed25519 --release 1.4.0 --justification 'Pen test "
                       "clean'")
            sub.add_argument("--decision", choices=("approved", "rejected"), default="approved")
        else:
            sub = commands.add_parser(
                name, help="waive a failing automated item, for a while, with your SSH key",
                description="Sign a waiver: while it is valid, the item's failure shows as "
                            "waived (an expected failure), never as passed.",
                epilog="example: deploycheck waive cdn --role release-manager --key "
                       "~/.ssh/id_ed25519 --expires 2d --justification 'CDN cut-over "
                       "tomorrow'")
            sub.set_defaults(decision="approved")
        sub.add_argument("item", help="the item id, or CHECKLIST::ITEM")
        sub.add_argument("--role", required=True, help="the role you sign as")
        sub.add_argument("--key", required=True,
                         help="your SSH private key (or its .pub with the key in ssh-agent)")
        sub.add_argument("--justification", default="", help="why (shown in the report)")
        sub.add_argument("--expires", default="7d", help="how long it counts (default 7d)")
        sub.add_argument("--release", default=None,
                         help="the release (default: the config's)")
        sub.add_argument("--environment", default=None,
                         help="bind to this environment (default: every environment)")
        sub.add_argument("--commit", default=None, help="bind to this deployed commit/digest")
        sub.add_argument("--principal", default=None,
                         help="who you are in allowed_signers (default: found from the key)")
        _project_options(sub)
        sub.set_defaults(func=_attest, kind=kind)

    verify = commands.add_parser("verify", help="re-check every signed attestation entry",
                                 description=_verify.__doc__)
    verify.add_argument("files", nargs="*", help="attestation files or directories "
                        "(default: the config's attestations)")
    _project_options(verify, paths=False)
    verify.add_argument("--environment", default=None,
                        help="check with whom this environment trusts (default: the "
                             "config's default environment)")
    verify.set_defaults(func=_verify)

    status = commands.add_parser("status", help="what each manual item still needs",
                                 description=_status.__doc__)
    status.add_argument("--release", default=None, help="the release (default: the config's)")
    status.add_argument("--environment", default=None, help="the environment")
    status.add_argument("--commit", default=None, help="the deployed commit, if bound")
    _project_options(status)
    status.set_defaults(func=_status)

    init = commands.add_parser("init", help="start checks/ with a config and a sample "
                               "checklist", description=_init.__doc__)
    init.add_argument("--rootdir", default=".", help="the project root (default: .)")
    init.add_argument("--force", action="store_true", help="replace existing files")
    init.set_defaults(func=_init)

    imported = commands.add_parser(
        "import", help="turn a Markdown checklist into checklist YAML",
        description=_import.__doc__,
        epilog="example: deploycheck import docs/release-checklist.md -o checks/release.yaml")
    imported.add_argument("file", help="the Markdown checklist")
    imported.add_argument("-o", "--output", default=None,
                          help="write the YAML to this file (default: print it)")
    imported.add_argument("--id", default=None, help="the checklist id (default: from the "
                          "file name)")
    imported.add_argument("--force", action="store_true", help="replace an existing file")
    imported.set_defaults(func=_import)

    schema = commands.add_parser("schema", help="print the JSON Schema of the checklist format",
                                 description=_schema.__doc__,
                                 epilog="example: deploycheck schema -o checklist.schema.json")
    schema.add_argument("-o", "--output", default=None, help="write it to this file")
    schema.set_defaults(func=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except DeploycheckError as exc:  # what a command does not say itself, said in one line
        print(f"deploycheck {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
