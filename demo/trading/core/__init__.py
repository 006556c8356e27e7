"""The core modules of demo-trader: market data, orders, risk and backtests."""
