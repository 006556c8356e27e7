"""Unit tests: order validation."""

import pytest

from ..core.orders import ORDER_TYPES, Order, OrderError, validate


@pytest.mark.parametrize("kind", ORDER_TYPES)
def test_each_supported_type_validates(kind: str) -> None:
    validate(Order("AAPL", "buy", kind, 10, limit_price=180.0, stop_price=175.0))


@pytest.mark.parametrize(("order", "reason"), [
    (Order("AAPL", "buy", "iceberg", 10), "unsupported order type"),
    (Order("AAPL", "hold", "market", 10), "unknown side"),
    (Order("AAPL", "buy", "market", 0), "quantity must be positive"),
    (Order("AAPL", "buy", "limit", 10), "needs a limit price"),
    (Order("AAPL", "sell", "stop", 10), "needs a stop price"),
])
def test_bad_orders_are_refused(order: Order, reason: str) -> None:
    with pytest.raises(OrderError, match=reason):
        validate(order)
