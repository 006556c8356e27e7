"""Paper trading: a simulated day routes, sizes and risk-checks orders end to end."""

from ..core.market import bars
from ..core.orders import Order, Venue, route, twap, validate
from ..core.risk import Book, Limits, violations

LIMITS = Limits(50_000, 1_000_000, 250_000, 4)
VENUES = [Venue("paper", 0.0, frozenset({"AAPL", "MSFT", "SPY"}))]


def test_a_paper_session_fills_within_the_limits() -> None:
    book = Book(equity=1_000_000)
    for bar in bars("AAPL", 20):
        order = Order("AAPL", "buy", "limit", 100, limit_price=bar.close)
        validate(order)
        assert route(order, VENUES).name == "paper"
        value = order.quantity * bar.close
        assert violations(LIMITS, book, "AAPL", value) == []
        for child in twap(order.quantity, 4):
            book.positions["AAPL"] = book.positions.get("AAPL", 0.0) + child * bar.close
            book.exposure += child * bar.close
    assert 300_000 < book.positions["AAPL"] < 1_000_000


def test_a_paper_order_over_the_limit_is_stopped() -> None:
    assert violations(LIMITS, Book(equity=1_000_000), "SPY", 300_000)
