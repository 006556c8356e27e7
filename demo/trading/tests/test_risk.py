"""Unit tests: limits and risk metrics."""

import pytest

from ..core.market import bars, daily_returns
from ..core.risk import Book, Limits, expected_shortfall, value_at_risk, violations

LIMITS = Limits(daily_loss_usd=50_000, max_position_usd=1_000_000, max_order_usd=250_000,
                max_leverage=4)


def test_an_order_inside_every_limit_passes() -> None:
    assert violations(LIMITS, Book(equity=1_000_000), "AAPL", 100_000) == []


def test_each_limit_is_enforced() -> None:
    book = Book(equity=100_000, exposure=350_000, positions={"AAPL": 900_000},
                realized_today=-60_000)
    found = violations(LIMITS, book, "AAPL", 300_000)
    assert [f.split()[0] for f in found] == ["order", "position", "leverage", "the"]


def test_a_sale_reduces_the_position() -> None:
    assert violations(LIMITS, Book(equity=1_000_000, positions={"AAPL": 900_000}),
                      "AAPL", -200_000) == []


def test_var_and_expected_shortfall_of_a_known_series() -> None:
    returns = [-0.05, -0.02, 0.01, 0.02, 0.03] * 4
    assert value_at_risk(returns, 0.95) == pytest.approx(0.05)
    assert expected_shortfall(returns, 0.9) == pytest.approx(0.05)


def test_var_of_the_reference_data_is_stable() -> None:
    closes = [b.close for b in bars("SPY")]
    assert 0.01 < value_at_risk(daily_returns(closes)) < 0.05


def test_var_needs_returns() -> None:
    with pytest.raises(ValueError, match="no returns"):
        value_at_risk([])
