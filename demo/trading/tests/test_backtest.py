"""Unit tests: the backtest engine."""

import pytest

from ..core.backtest import sma, sma_cross


def test_sma_waits_for_a_full_window() -> None:
    assert sma([1, 2, 3, 4], 2) == [None, 1.5, 2.5, 3.5]


def test_a_rising_market_is_held_and_gains() -> None:
    result = sma_cross([100 + n for n in range(60)], fast=3, slow=10)
    assert result.trades == 1
    assert result.total_return > 0.3
    assert result.max_drawdown <= 0.001  # the cost of buying in


def test_fast_must_be_shorter_than_slow() -> None:
    with pytest.raises(ValueError, match="fast < slow"):
        sma_cross([1.0] * 40, fast=30, slow=10)
