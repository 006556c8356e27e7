"""The ``deploycheck`` command.

Exit codes: 0 success, 1 the command found a problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..errors import DeploycheckError
from ..registry import REGISTRY


def _types(args: argparse.Namespace) -> int:
    """List the check types the project can use: built in, from installed packages, and
    those its conftest.py files define."""
    from ..plugin.options import load_layout

    load_layout(Path(args.rootdir).resolve())  # its conftest.py files register their types
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


def _init(args: argparse.Namespace) -> int:
    """Start a project: checks/ with a config, a sample checklist, an empty
    allowed_signers and the attestations directory (and .gitattributes so attestation
    files keep their exact bytes). Run `pytest -m predeploy` next."""
    from ..project import git_describe
    from ..scaffold import scaffold

    root = Path(args.rootdir)
    release = args.release or (git_describe(root) or "0.1.0").removeprefix("v")
    written, existing = scaffold(root, args.force, release)
    if existing:
        print(f"deploycheck init: not written, these exist: {', '.join(existing)} (pass "
              "--force to replace them)", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print(f"release {release} (change 'release:' in checks/deploycheck.yaml for each one)")
    print("next: pytest -m predeploy  — the sign-off waits for release-manager: put your "
          "public key in checks/allowed_signers, your principal under 'roles:', then "
          "deploycheck attest release-approved --role release-manager --key "
          "~/.ssh/id_ed25519; deploycheck schema -o checklist.schema.json for your editor")
    return 0


def _schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the checklist format (one fragment per check type), for
    editors: save it, then put '# yaml-language-server: $schema=PATH' atop a checklist."""
    import json

    from ..plugin.options import load_layout
    from ..schema import checklist_schema

    load_layout(Path(args.rootdir).resolve())  # check types from its conftest.py files too

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
    from . import evidence, importing, signing, watching

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
    types.add_argument("--rootdir", default=".", help="where to look for the project, as "
                       "pytest does from there (default: .)")
    types.set_defaults(func=_types)

    for name, kind in (("attest", "attestation"), ("waive", "waiver")):
        if kind == "attestation":
            sub = commands.add_parser(
                name, help="sign off a manual item with your SSH key",
                description=signing.attest.__doc__,
                epilog="examples: deploycheck attest security-signoff --role security-lead "
                       "--key ~/.ssh/id_ed25519 --release 1.4.0 --justification 'Pen test "
                       "clean'; deploycheck attest --awaiting --role qa-lead --phase "
                       "predeploy --key ~/.ssh/id_ed25519")
            sub.add_argument("--decision", choices=("approved", "rejected"), default="approved")
            sub.add_argument("--awaiting", action="store_true",
                             help="every manual item still awaiting a sign-off by --role "
                                  "(that you have not given), in the environment")
            sub.add_argument("--phase", default=None, help="with --awaiting: only this phase")
        else:
            sub = commands.add_parser(
                name, help="waive a failing automated item, for a while, with your SSH key",
                description="Sign a waiver: while it is valid, the item's failure shows as "
                            "waived (an expected failure), never as passed.",
                epilog="example: deploycheck waive cdn --role release-manager --key "
                       "~/.ssh/id_ed25519 --expires 2d --justification 'CDN cut-over "
                       "tomorrow'")
            sub.set_defaults(decision="approved")
        sub.add_argument("items", nargs="*", metavar="ITEM",
                         help="item ids, CHECKLIST::ITEM, or CHECKLIST::SECTION for every "
                              "item of a section")
        sub.add_argument("--dry-run", action="store_true",
                         help="show what would be signed, and sign nothing")
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
        sub.set_defaults(func=signing.attest, kind=kind)

    verify = commands.add_parser("verify", help="re-check every signed attestation entry",
                                 description=signing.verify.__doc__)
    verify.add_argument("files", nargs="*", help="attestation files or directories "
                        "(default: the config's attestations)")
    _project_options(verify, paths=False)
    verify.add_argument("--environment", default=None,
                        help="check with whom this environment trusts (default: the "
                             "config's default environment)")
    verify.set_defaults(func=signing.verify)

    status = commands.add_parser("status", help="what each manual item still needs",
                                 description=signing.status.__doc__)
    status.add_argument("--release", default=None, help="the release (default: the config's)")
    status.add_argument("--environment", default=None, help="the environment")
    status.add_argument("--commit", default=None, help="the deployed commit, if bound")
    _project_options(status)
    status.set_defaults(func=signing.status)

    init = commands.add_parser("init", help="start checks/ with a config and a sample "
                               "checklist", description=_init.__doc__)
    init.add_argument("--rootdir", default=".", help="the project root (default: .)")
    init.add_argument("--force", action="store_true", help="replace existing files")
    init.add_argument("--release", default=None, help="the release being deployed (default: "
                      "from git describe --tags, else 0.1.0)")
    init.set_defaults(func=_init)

    importing.add_command(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of the checklist format",
                                 description=_schema.__doc__,
                                 epilog="example: deploycheck schema -o checklist.schema.json")
    schema.add_argument("-o", "--output", default=None, help="write it to this file")
    schema.add_argument("--rootdir", default=".", help="where to look for the project, as "
                        "pytest does from there (default: .)")
    schema.set_defaults(func=_schema)
    evidence.add_commands(commands)
    watching.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "takes_pytest_args", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.pytest_args = rest  # deploycheck watch's, for pytest to choose the items
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
