"""Circuit breaker: trips on a losing streak or a deep drawdown, and stays tripped."""

from ..core.risk import CircuitBreaker


def test_three_losses_in_a_row_trip_it() -> None:
    breaker = CircuitBreaker(max_losses=3, max_drawdown=0.5)
    for pnl in (-1, -1):
        breaker.record(pnl, 100)
    assert breaker.allows_trading()
    breaker.record(-1, 100)
    assert not breaker.allows_trading()


def test_a_win_resets_the_streak() -> None:
    breaker = CircuitBreaker(max_losses=2, max_drawdown=0.5)
    for pnl in (-1, 1, -1):
        breaker.record(pnl, 100)
    assert breaker.allows_trading()


def test_a_drawdown_over_the_limit_trips_it_until_reset() -> None:
    breaker = CircuitBreaker(max_losses=10, max_drawdown=0.1)
    breaker.record(5, 100)
    breaker.record(-1, 85)
    assert not breaker.allows_trading()
    breaker.reset()
    assert breaker.allows_trading()
