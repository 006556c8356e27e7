"""Operations on a demo-trader deployment, as its runbooks use them:
``python -m demo.ops ACTION --url URL [--ca FILE]``.

Actions: ``halt-trading``, ``resume-trading``, ``drain`` (wait until no transaction is in
flight), ``rollback`` (switch traffic to the idle slot), ``stop-deployment``, and
``restore-db --database FILE --backups DIR [--if-needed]``. They need the admin token
in ``TRADING_ADMIN_TOKEN``. Exit 0 when done, 1 when not.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import requests

from . import database
from .client import TIMEOUT, session


def _call(client: requests.Session, method: str, url: str, **body: Any) -> Any:
    answer = client.request(method, url, timeout=TIMEOUT, json=body or None)
    if not answer.ok:
        raise RuntimeError(f"{method} {url}: HTTP {answer.status_code} {answer.text[:120]}")
    return answer.json()


def run(args: argparse.Namespace) -> str:
    """Do ``args.action``; the line to print."""
    if args.action == "restore-db":
        db = Path(args.database)
        verdict = database.integrity(db)
        if args.if_needed and verdict == "ok":
            return "database intact (integrity_check: ok): no restore needed"
        newest = max(Path(args.backups).glob("trading-*.sqlite3.gz"), default=None)
        if newest is None:
            raise RuntimeError(f"no backup of the database in {args.backups}")
        database.restore(newest, db)
        return f"restored {db.name} from {newest.name} (integrity_check: {database.integrity(db)})"
    client = session(args.ca, "TRADING_ADMIN_TOKEN")
    url = args.url.rstrip("/")
    if args.action in ("halt-trading", "resume-trading"):
        wanted = args.action == "resume-trading"
        state = _call(client, "POST", f"{url}/api/admin/trading", accepting_orders=wanted)
        return f"trading {'resumed' if state['accepting_orders'] else 'halted'} on {url}"
    if args.action == "drain":
        deadline = time.monotonic() + args.timeout
        while True:
            state = _call(client, "GET", f"{url}/api/trading/status")
            if state["in_flight"] == 0:
                return "no transaction in flight"
            if time.monotonic() > deadline:
                raise RuntimeError(f"{state['in_flight']} transactions still in flight")
            time.sleep(0.5)
    action = "rollback" if args.action == "rollback" else "stop"
    state = _call(client, "POST", f"{url}/api/admin/deployment", action=action)
    if action == "stop":
        return f"deployment stopped; slot {state['live']} keeps serving"
    return f"traffic switched to slot {state['live']} ({state['slots'][state['live']]})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.ops", description=__doc__)
    parser.add_argument("action", choices=["halt-trading", "resume-trading", "drain",
                                           "rollback", "stop-deployment", "restore-db"])
    parser.add_argument("--url", default="")
    parser.add_argument("--ca", help="CA bundle to trust (default: the system's)")
    parser.add_argument("--database", help="the database file (restore-db)")
    parser.add_argument("--backups", help="the directory of backups (restore-db)")
    parser.add_argument("--if-needed", action="store_true",
                        help="restore-db only if the database fails its integrity check")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    if args.action == "restore-db" and not (args.database and args.backups):
        parser.error("restore-db needs --database and --backups")
    if args.action != "restore-db" and not args.url:
        parser.error(f"{args.action} needs --url")
    try:
        print(run(args))
    except (RuntimeError, requests.RequestException, OSError, KeyError, ValueError) as exc:
        print(f"{args.action} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
