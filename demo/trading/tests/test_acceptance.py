"""Acceptance: what the business asked for, on the reference data."""

from ..core.backtest import sma_cross
from ..core.market import SYMBOLS, bars


def test_every_listed_symbol_has_a_year_of_bars() -> None:
    for symbol in SYMBOLS:
        assert len(bars(symbol)) == 250


def test_bars_are_consistent() -> None:
    for bar in bars("MSFT"):
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.volume > 0


def test_the_reference_backtest_is_reproducible() -> None:
    closes = [b.close for b in bars("AAPL")]
    assert sma_cross(closes) == sma_cross(closes)
