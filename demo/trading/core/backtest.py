"""Backtests: a moving-average crossover strategy over daily closes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    trades: int
    total_return: float
    max_drawdown: float


def sma(values: list[float], window: int) -> list[float | None]:
    out: list[float | None] = []
    total = 0.0
    for n, value in enumerate(values):
        total += value
        if n >= window:
            total -= values[n - window]
        out.append(total / window if n >= window - 1 else None)
    return out


def sma_cross(closes: list[float], fast: int = 10, slow: int = 30,
              cost_bps: float = 5.0) -> Result:
    """Long while the fast average is above the slow one, flat otherwise."""
    if not 0 < fast < slow:
        raise ValueError("need 0 < fast < slow")
    fast_line, slow_line = sma(closes, fast), sma(closes, slow)
    equity, peak, worst, trades = 1.0, 1.0, 0.0, 0
    holding = False
    for n in range(1, len(closes)):
        if holding:
            equity *= closes[n] / closes[n - 1]
        f, s = fast_line[n], slow_line[n]
        wanted = f is not None and s is not None and f > s
        if wanted != holding:
            holding, trades = wanted, trades + 1
            equity *= 1 - cost_bps / 10_000
        peak = max(peak, equity)
        worst = max(worst, 1 - equity / peak)
    return Result(trades, round(equity - 1, 4), round(worst, 4))
