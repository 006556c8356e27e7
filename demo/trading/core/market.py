"""Daily bars: generated the same way every time, so backtests and risk figures have
known answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

SYMBOLS = {"AAPL": 180.0, "MSFT": 410.0, "SPY": 520.0}
FIRST_DAY = date(2025, 1, 2)


@dataclass(frozen=True)
class Bar:
    day: date
    open: float
    high: float
    low: float
    close: float
    volume: int


def trading_days(start: date, count: int) -> list[date]:
    """``count`` weekdays from ``start`` on."""
    days: list[date] = []
    current = start
    while len(days) < count:
        if current.weekday() < 5:
            days.append(current)
        current += timedelta(days=1)
    return days


def bars(symbol: str, count: int = 250) -> list[Bar]:
    """``count`` daily bars of ``symbol``: a random walk seeded by the symbol."""
    rng = random.Random(symbol)
    price = SYMBOLS[symbol]
    found = []
    for day in trading_days(FIRST_DAY, count):
        opened = price
        price = round(max(1.0, price * (1 + rng.gauss(0.0004, 0.015))), 2)
        high = round(max(opened, price) * (1 + abs(rng.gauss(0, 0.004))), 2)
        low = round(min(opened, price) * (1 - abs(rng.gauss(0, 0.004))), 2)
        found.append(Bar(day, opened, high, low, price, rng.randint(1_000_000, 9_000_000)))
    return found


def daily_returns(closes: list[float]) -> list[float]:
    return [b / a - 1 for a, b in pairwise(closes)]
