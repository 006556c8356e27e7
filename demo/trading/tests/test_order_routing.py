"""Order routing: the cheapest venue that is up and lists the symbol."""

import pytest

from ..core.orders import Order, OrderError, Venue, route

VENUES = [Venue("lit-a", 0.3, frozenset({"AAPL", "MSFT"})),
          Venue("lit-b", 0.2, frozenset({"AAPL"})),
          Venue("dark-c", 0.1, frozenset({"AAPL"}), up=False)]


def test_the_cheapest_available_venue_wins() -> None:
    assert route(Order("AAPL", "buy", "market", 1), VENUES).name == "lit-b"


def test_a_venue_that_is_down_is_skipped() -> None:
    assert route(Order("MSFT", "buy", "market", 1), VENUES).name == "lit-a"


def test_no_venue_for_the_symbol_is_an_error() -> None:
    with pytest.raises(OrderError, match="no venue"):
        route(Order("SPY", "buy", "market", 1), VENUES)
