"""Performance benchmarks: the acceptance criteria on speed, measured as the best of
several runs (the least disturbed by whatever else the machine does). The limits leave
room for a busy CI machine measuring under coverage: about ten times what a quiet one
takes."""

import timeit

from ..core.backtest import sma_cross
from ..core.market import bars


def best(statement: object, runs: int = 7) -> float:
    return min(timeit.repeat(statement, number=1, repeat=runs))  # type: ignore[arg-type]


def test_a_year_backtest_runs_in_under_200_ms() -> None:
    closes = [b.close for b in bars("SPY")]
    assert best(lambda: sma_cross(closes)) < 0.2


def test_generating_a_year_of_bars_takes_under_100_ms() -> None:
    assert best(lambda: bars("MSFT")) < 0.1
