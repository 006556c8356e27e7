"""``deploycheck watch``: the selected items, again and again, with health and metrics."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from ..units import DURATION_HELP, parse_duration

MIN_EVERY = 0.1  # seconds between rounds, at least
ADDRESS_ENV = "DEPLOYCHECK_WATCH_ADDRESS"  # where the watch serves, HOST:PORT


def watch(args: argparse.Namespace) -> int:
    """Run the selected checklist items (pytest's own options pick them: -m postdeploy,
    -k …) every --every, for --for or until stopped (SIGTERM, Ctrl-C), in this process.
    /healthz answers 200 while every watched item holds, 503 with the failing items
    otherwise; /metrics gives each item's state in the Prometheus text format (the
    address is in $DEPLOYCHECK_WATCH_ADDRESS for environment hooks). The first
    round in which an item fails is a breach: --on-breach runs once. At the end each
    item's outcome over the whole watch (its first failure, else its latest result) is
    reported as a run's, in every report asked for. Exit codes as pytest's: 0 everything
    held, 1 an item failed in some round, 2 or 4 interrupted or a usage error, 5 nothing
    to watch."""
    from .. import plugin
    from ..endpoints import Endpoints
    from ..errors import DeploycheckError
    from ..watch import Plan

    if any(a in ("-n", "--numprocesses", "--dist") or a.startswith(("-n", "--numprocesses=",
                                                                      "--dist="))
           for a in args.pytest_args):
        print("deploycheck watch: a watch runs in one process; leave out -n / --dist",
              file=sys.stderr)
        return 4
    plan = Plan(every=args.every, window=args.window, on_breach=args.on_breach,
                on_breach_timeout=args.on_breach_timeout, stop_on_breach=args.stop_on_breach)
    try:
        endpoints = Endpoints(args.listen, args.port).start()
    except DeploycheckError as exc:
        print(f"deploycheck watch: {exc}", file=sys.stderr)
        return 2
    before = os.environ.get(ADDRESS_ENV)
    os.environ[ADDRESS_ENV] = endpoints.address  # for an environment hook's Prometheus
    try:
        return plugin.watch(list(args.pytest_args), replace(plan, endpoints=endpoints))
    finally:
        endpoints.close()
        if before is None:
            os.environ.pop(ADDRESS_ENV, None)
        else:
            os.environ[ADDRESS_ENV] = before


def _duration(least: float) -> argparse._ActionType:
    def parse(text: str) -> float:
        try:
            seconds = parse_duration(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {DURATION_HELP}") from None
        if seconds < least:
            raise argparse.ArgumentTypeError(f"{text!r}: at least {least:g}s")
        return seconds

    return parse


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    found = commands.add_parser(
        "watch", help="run checklist items every so often, serving /healthz and /metrics",
        description=watch.__doc__, allow_abbrev=False,
        usage="deploycheck watch [--every D] [--for D] [--listen A] [--port N] "
              "[--on-breach CMD] [--stop-on-breach] [PYTEST OPTIONS]",
        epilog="example: deploycheck watch -m postdeploy --every 1m --for 24h --port 9464 "
               "--on-breach 'pytest -m rollback' --stop-on-breach")
    found.add_argument("--every", type=_duration(MIN_EVERY), default=60.0, metavar="D",
                       help="how often a round starts (default 1m)")
    found.add_argument("--for", dest="window", type=_duration(MIN_EVERY), default=None,
                       metavar="D",
                       help="how long to watch (default: until SIGTERM or Ctrl-C)")
    found.add_argument("--listen", default="127.0.0.1", metavar="ADDRESS",
                       help="the address to serve /healthz and /metrics on (default "
                            "127.0.0.1)")
    found.add_argument("--port", type=int, default=0, metavar="N",
                       help="the port to serve on (default 0: a free one, said at the start)")
    found.add_argument("--on-breach", default=None, metavar="COMMAND",
                       help="a shell command to run once, on the first breach (the failing "
                            "items in $DEPLOYCHECK_BREACH, one per line)")
    found.add_argument("--on-breach-timeout", type=_duration(1.0), default=1800.0,
                       metavar="D", help="the command's time limit; it is killed after "
                                         "(default 30m)")
    found.add_argument("--stop-on-breach", action="store_true",
                       help="end the watch at the first breach (after --on-breach)")
    found.set_defaults(func=watch, takes_pytest_args=True)
