"""Smoke tests of a demo-trader deployment: ``python -m demo.smoke URL [--ca FILE]``.

Exit 0 when every test passed, 1 otherwise; one line per test.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import requests

from .client import TIMEOUT, session

Test = Callable[[requests.Session, str], str | None]  # None: passed; else what went wrong


def health(s: requests.Session, url: str) -> str | None:
    body = s.get(f"{url}/health", timeout=TIMEOUT).json()
    return None if body.get("status") == "ok" else f"status {body.get('status')!r}"


def quote(s: requests.Session, url: str) -> str | None:
    answer = s.get(f"{url}/api/market/quote?symbol=AAPL", timeout=TIMEOUT)
    return None if answer.ok and answer.json()["price"] > 0 else f"HTTP {answer.status_code}"


def history(s: requests.Session, url: str) -> str | None:
    bars = s.get(f"{url}/api/market/history?symbol=SPY&days=5", timeout=TIMEOUT).json()
    return None if len(bars.get("bars", [])) == 5 else "expected 5 bars"


def paper_order(s: requests.Session, url: str) -> str | None:
    answer = s.post(f"{url}/api/orders", timeout=TIMEOUT, json={
        "symbol": "MSFT", "side": "buy", "type": "market", "quantity": 1})
    return None if answer.status_code in (201, 409) else f"HTTP {answer.status_code}"


def backtest(s: requests.Session, url: str) -> str | None:
    body = s.post(f"{url}/api/backtests", timeout=TIMEOUT,
                  json={"symbol": "AAPL", "fast": 10, "slow": 30}).json()
    return None if body.get("trades", 0) > 0 else f"no trades: {body}"


def needs_a_token(s: requests.Session, url: str) -> str | None:
    status = requests.get(f"{url}/api/account", timeout=TIMEOUT, verify=s.verify).status_code
    return None if status == 401 else f"without a token: HTTP {status}, expected 401"


TESTS: list[Test] = [health, quote, history, paper_order, backtest, needs_a_token]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.smoke", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--ca", help="CA bundle to trust (default: the system's)")
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    client = session(args.ca)
    failed = 0
    for test in TESTS:
        try:
            problem = test(client, url)
        except (requests.RequestException, ValueError, KeyError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        failed += problem is not None
        print(f"{'ok  ' if problem is None else 'FAIL'} {test.__name__}"
              + (f": {problem}" if problem else ""))
    if failed:
        print(f"{failed} of {len(TESTS)} smoke tests failed against {url}")
        return 1
    print(f"All {len(TESTS)} smoke tests passed against {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
