"""Risk: limits on every order, value at risk, the circuit breaker and the kill switch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    daily_loss_usd: float
    max_position_usd: float
    max_order_usd: float
    max_leverage: float


@dataclass
class Book:
    """An account's state as risk sees it."""

    equity: float
    exposure: float = 0.0
    positions: dict[str, float] = field(default_factory=dict)  # symbol → value in USD
    realized_today: float = 0.0


def violations(limits: Limits, book: Book, symbol: str, value: float) -> list[str]:
    """Why an order worth ``value`` USD in ``symbol`` (negative: a sale) breaks the limits."""
    found = []
    if abs(value) > limits.max_order_usd:
        found.append(f"order of {abs(value):,.0f} USD exceeds {limits.max_order_usd:,.0f}")
    position = book.positions.get(symbol, 0.0) + value
    if abs(position) > limits.max_position_usd:
        found.append(f"position in {symbol} would be {abs(position):,.0f} USD, over "
                     f"{limits.max_position_usd:,.0f}")
    if book.equity <= 0 or (book.exposure + abs(value)) / book.equity > limits.max_leverage:
        found.append(f"leverage would exceed {limits.max_leverage:g}x")
    if -book.realized_today >= limits.daily_loss_usd:
        found.append("the daily loss limit is reached")
    return found


def value_at_risk(returns: list[float], confidence: float = 0.95) -> float:
    """Historical one-day VaR as a positive fraction of the portfolio value."""
    if not returns:
        raise ValueError("no returns")
    ordered = sorted(returns)
    index = max(0, math.ceil((1 - confidence) * len(ordered)) - 1)
    return -ordered[index]


def expected_shortfall(returns: list[float], confidence: float = 0.95) -> float:
    ordered = sorted(returns)
    tail = ordered[:max(1, math.ceil((1 - confidence) * len(ordered)))]
    return -sum(tail) / len(tail)


class CircuitBreaker:
    """Trips after ``max_losses`` losing trades in a row or a drawdown over ``max_drawdown``
    (a fraction); once tripped, nothing trades until it is reset."""

    def __init__(self, max_losses: int, max_drawdown: float) -> None:
        self.max_losses = max_losses
        self.max_drawdown = max_drawdown
        self.losses = 0
        self.peak = 0.0
        self.tripped = False

    def record(self, pnl: float, equity: float) -> None:
        self.losses = self.losses + 1 if pnl < 0 else 0
        self.peak = max(self.peak, equity)
        drawdown = 1 - equity / self.peak if self.peak else 0.0
        if self.losses >= self.max_losses or drawdown > self.max_drawdown:
            self.tripped = True

    def allows_trading(self) -> bool:
        return not self.tripped

    def reset(self) -> None:
        self.losses, self.tripped = 0, False


class KillSwitch:
    """Emergency shutdown: cancels every open order and refuses new ones."""

    def __init__(self) -> None:
        self.engaged = False
        self.open_orders: set[str] = set()

    def submit(self, order_id: str) -> bool:
        if self.engaged:
            return False
        self.open_orders.add(order_id)
        return True

    def engage(self) -> list[str]:
        self.engaged = True
        cancelled, self.open_orders = sorted(self.open_orders), set()
        return cancelled
