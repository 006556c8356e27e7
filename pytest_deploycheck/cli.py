"""The ``deploycheck`` command.

Exit codes: 0 success, 1 the command found a problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import DeploycheckError
from .registry import REGISTRY


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
