"""Stop-loss: a sell stop fires at or below its price, a buy stop at or above."""

from ..core.orders import Order, stop_triggered


def test_a_sell_stop_fires_when_the_price_falls_to_it() -> None:
    order = Order("AAPL", "sell", "stop", 10, stop_price=170.0)
    assert not stop_triggered(order, 171.0)
    assert stop_triggered(order, 170.0)
    assert stop_triggered(order, 150.0)


def test_a_buy_stop_fires_when_the_price_rises_to_it() -> None:
    order = Order("AAPL", "buy", "stop", 10, stop_price=190.0)
    assert not stop_triggered(order, 189.99)
    assert stop_triggered(order, 190.5)


def test_an_order_without_a_stop_never_fires() -> None:
    assert not stop_triggered(Order("AAPL", "sell", "market", 10), 0.01)
