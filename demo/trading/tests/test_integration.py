"""Integration: market data, backtests and risk together, as the service uses them."""

from ..core.backtest import sma_cross
from ..core.market import bars, daily_returns
from ..core.risk import value_at_risk


def test_a_backtest_and_its_risk_on_each_symbol() -> None:
    for symbol in ("AAPL", "MSFT", "SPY"):
        closes = [b.close for b in bars(symbol)]
        result = sma_cross(closes)
        assert result.trades > 0
        assert 0 <= result.max_drawdown < 1
        assert value_at_risk(daily_returns(closes)) > 0
