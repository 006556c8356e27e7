"""Orders: the types supported, validation, routing to a venue, stop-loss triggers and
the execution algorithms that slice a parent order."""

from __future__ import annotations

from dataclasses import dataclass

ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
SIDES = ("buy", "sell")


@dataclass(frozen=True)
class Order:
    symbol: str
    side: str
    type: str
    quantity: int
    limit_price: float | None = None
    stop_price: float | None = None


@dataclass(frozen=True)
class Venue:
    name: str
    fee_bps: float
    symbols: frozenset[str]
    up: bool = True


class OrderError(ValueError):
    pass


def validate(order: Order) -> None:
    """Raise :class:`OrderError` for an order the platform must refuse."""
    if order.type not in ORDER_TYPES:
        raise OrderError(f"unsupported order type {order.type!r}")
    if order.side not in SIDES:
        raise OrderError(f"unknown side {order.side!r}")
    if order.quantity <= 0:
        raise OrderError("quantity must be positive")
    if order.type in ("limit", "stop_limit") and not order.limit_price:
        raise OrderError(f"a {order.type} order needs a limit price")
    if order.type in ("stop", "stop_limit") and not order.stop_price:
        raise OrderError(f"a {order.type} order needs a stop price")


def route(order: Order, venues: list[Venue]) -> Venue:
    """The cheapest venue that is up and trades the symbol."""
    candidates = [v for v in venues if v.up and order.symbol in v.symbols]
    if not candidates:
        raise OrderError(f"no venue is available for {order.symbol}")
    return min(candidates, key=lambda v: (v.fee_bps, v.name))


def stop_triggered(order: Order, last_price: float) -> bool:
    """Whether a stop (loss) order fires at ``last_price``."""
    if order.stop_price is None:
        return False
    if order.side == "sell":
        return last_price <= order.stop_price
    return last_price >= order.stop_price


def twap(quantity: int, slices: int) -> list[int]:
    """Time-weighted: ``quantity`` in ``slices`` nearly equal child orders."""
    if slices <= 0:
        raise OrderError("slices must be positive")
    base, extra = divmod(quantity, slices)
    return [base + (1 if n < extra else 0) for n in range(slices)]


def vwap(quantity: int, volume_profile: list[float]) -> list[int]:
    """Volume-weighted: child orders in proportion to the expected volume of each period."""
    total = sum(volume_profile)
    if total <= 0:
        raise OrderError("the volume profile is empty")
    children = [int(quantity * v / total) for v in volume_profile]
    children[-1] += quantity - sum(children)
    return children
