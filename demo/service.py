"""demo-trader's HTTP API: what the demo's automated checklist items probe.

One :class:`Platform` (state, metrics, logs) behind a threaded HTTPS server. The routes
answer as a real trading service would — health, version, authentication with scopes, a
WAF rule, market data and backtests from the database, risk figures, paper orders,
Prometheus metrics — and write an access log and an audit log with ISO 8601 stamps.
"""

from __future__ import annotations

import json
import re
import sqlite3
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

from .trading import __version__
from .trading.core import backtest, orders, risk
from .trading.core.market import daily_returns

COMMIT = "4f1c2e9"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
SPIKE_DELAY = 0.8  # seconds the API takes longer during a latency spike
# a WAF rule: what an injection attempt in a query string looks like
WAF_RULE = re.compile(r"('|%27)\s*or\s+\d+\s*=\s*\d+|union\s+select|<script", re.IGNORECASE)
Reply = tuple[int, Any]


def now_stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Platform:
    """The state one instance of the service keeps."""

    environment: str
    database: Path
    log_file: Path
    audit_file: Path
    api_token: str
    admin_token: str
    accepting_orders: bool = True
    deployment: dict[str, Any] = field(default_factory=lambda: {
        "live": "blue", "slots": {"blue": __version__, "green": "1.3.2"}, "state": "running"})
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: dict[tuple[str, int], int] = field(default_factory=dict)
    durations: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    duration_sum: float = 0.0
    order_counts: dict[str, int] = field(default_factory=lambda: {"filled": 0, "rejected": 0})
    slow_from: float | None = None  # time.monotonic() from which the API answers slowly

    def __post_init__(self) -> None:
        self.audit("service_started", version=__version__, environment=self.environment)

    def log(self, line: str) -> None:
        with self.lock, self.log_file.open("a", encoding="utf-8") as out:
            out.write(f"{now_stamp()} {line}\n")

    def audit(self, event: str, **details: Any) -> None:
        record = json.dumps({"ts": now_stamp(), "event": event, **details}, sort_keys=True)
        with self.lock, self.audit_file.open("a", encoding="utf-8") as out:
            out.write(record + "\n")

    def observe(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.requests[(route, status)] = self.requests.get((route, status), 0) + 1
            self.durations[next((n for n, b in enumerate(BUCKETS) if seconds <= b),
                                len(BUCKETS))] += 1
            self.duration_sum += seconds

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.database, timeout=5)) as db:
            return db.execute(sql, args).fetchall()

    def closes(self, symbol: str) -> list[float]:
        return [r[0] for r in self.query(
            "select close from bars where symbol = ? order by day", symbol)]

    def limits(self) -> risk.Limits:
        values = {str(name): float(value) for name, value in
                  self.query("select name, value from risk_limits")}
        return risk.Limits(values["daily_loss_usd"], values["max_position_usd"],
                           values["max_order_usd"], values["max_leverage"])

    def metrics(self) -> str:
        with self.lock:
            lines = ["# TYPE http_requests_total counter"]
            lines += [f'http_requests_total{{route="{r}",code="{c}"}} {n}'
                      for (r, c), n in sorted(self.requests.items())]
            lines.append("# TYPE http_request_duration_seconds histogram")
            total = 0
            for bound, count in zip([*map(str, BUCKETS), "+Inf"], self.durations, strict=True):
                total += count
                lines.append(f'http_request_duration_seconds_bucket{{le="{bound}"}} {total}')
            lines += [f"http_request_duration_seconds_sum {self.duration_sum:.6f}",
                      f"http_request_duration_seconds_count {total}",
                      "# TYPE trading_orders_total counter"]
            lines += [f'trading_orders_total{{status="{s}"}} {n}'
                      for s, n in sorted(self.order_counts.items())]
            lines += ["# TYPE trading_accepting_orders gauge",
                      f"trading_accepting_orders {int(self.accepting_orders)}",
                      "# TYPE process_resident_memory_bytes gauge",
                      f"process_resident_memory_bytes {psutil.Process().memory_info().rss}"]
        return "\n".join(lines) + "\n"


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # the platform writes its own access log

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        started = time.perf_counter()
        platform = self.server.platform
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = dict(urllib.parse.parse_qsl(url.query))
        route = ROUTES.get((self.command, url.path))
        if WAF_RULE.search(urllib.parse.unquote_plus(url.query)):
            status, body = 403, {"error": "blocked by WAF rule 942100 (SQL injection)"}
            platform.audit("waf_block", path=url.path)
        elif route is None:
            status, body = 404, {"error": f"no route {self.command} {url.path}"}
        else:
            need, action = route
            scopes = self._scopes()
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                payload = None
            if need and not scopes:
                status, body = 401, {"error": "authentication required"}
            elif need and need not in scopes:
                status, body = 403, {"error": f"forbidden: the token lacks the {need} scope"}
                platform.audit("forbidden", path=url.path, scope=need)
            elif payload is None or not isinstance(payload, dict):
                status, body = 400, {"error": "the body is not a JSON object"}
            else:
                status, body = action(platform, query, payload)
        if platform.slow_from is not None and time.monotonic() >= platform.slow_from \
                and url.path.startswith("/api/"):
            time.sleep(SPIKE_DELAY)  # DEPLOYCHECK_DEMO_SPIKE=latency
        elapsed = time.perf_counter() - started
        self._reply(status, body)
        platform.observe(url.path if route else "other", status, elapsed)
        level = "ERROR" if status >= 500 else "WARNING" if status >= 400 else "INFO"
        platform.log(f"{level} {platform.environment} {self.command} {url.path} {status} "
                     f"{elapsed * 1000:.1f}ms")

    def _scopes(self) -> set[str]:
        platform = self.server.platform
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if token and token == platform.admin_token:
            return {"read", "trade", "admin"}
        if token and token == platform.api_token:
            return {"read", "trade"}
        return set()

    def _reply(self, status: int, body: Any) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; version=0.0.4" if isinstance(body, str)
                         else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend", f"{self.server.platform.environment}-1")
        self.send_header("Strict-Transport-Security", "max-age=31536000")
        self.end_headers()
        self.wfile.write(data)


# -- routes: (method, path) → (scope needed or "", action) ------------------------------

Action = Callable[[Platform, dict[str, str], dict[str, Any]], Reply]


def health(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    try:
        p.query("select 1")
        database = "ok"
    except sqlite3.Error as exc:
        database = f"error: {exc}"
    ok = database == "ok"
    return (200 if ok else 503), {
        "status": "ok" if ok else "degraded", "version": __version__,
        "environment": p.environment,
        "database": {"status": database, "pool": {"size": 10, "max_overflow": 5}}}


def version(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, {"version": __version__, "commit": COMMIT, "environment": p.environment}


def metrics(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, p.metrics()


def openapi(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), (scope, action) in ROUTES.items():
        paths.setdefault(path, {})[method.lower()] = {
            "summary": (action.__doc__ or action.__name__).strip(),
            "security": [{"bearer": [scope]}] if scope else []}
    return 200, {"openapi": "3.1.0", "info": {"title": "demo-trader", "version": __version__},
                 "paths": paths}


def account(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, {"authenticated": True, "account": "DEMO-001", "scopes": ["read", "trade"]}


def admin_users(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, {"users": ["ops", "risk"]}


def history(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    symbol, days = q.get("symbol", "AAPL"), int(q.get("days", "30"))
    rows = p.query("select day, open, high, low, close, volume from bars where symbol = ? "
                   "order by day desc limit ?", symbol, days)
    if not rows:
        return 404, {"error": f"no bars for {symbol}"}
    keys = ("day", "open", "high", "low", "close", "volume")
    return 200, {"symbol": symbol,
                 "bars": [dict(zip(keys, r, strict=True)) for r in reversed(rows)]}


def quote(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    symbol = q.get("symbol", "AAPL")
    closes = p.closes(symbol)
    return (200, {"symbol": symbol, "price": closes[-1]}) if closes else (
        404, {"error": f"unknown symbol {symbol}"})


def market_hours(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, {"exchange": "XNYS", "timezone": "America/New_York", "open": "09:30",
                 "close": "16:00", "holidays_from": "exchange_calendars"}


def order_types(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, {"types": list(orders.ORDER_TYPES)}


def place_order(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    """Place a paper order: validated and checked against the risk limits."""
    if not p.accepting_orders:
        return 409, {"error": "trading is halted"}
    try:
        order = orders.Order(str(b.get("symbol")), str(b.get("side")), str(b.get("type")),
                             int(b.get("quantity", 0)), b.get("limit_price"))
        orders.validate(order)
    except (orders.OrderError, TypeError, ValueError) as exc:
        return 422, {"error": str(exc)}
    closes = p.closes(order.symbol)
    if not closes:
        return 422, {"error": f"unknown symbol {order.symbol}"}
    value = order.quantity * closes[-1] * (1 if order.side == "buy" else -1)
    problems = risk.violations(p.limits(), risk.Book(equity=1_000_000), order.symbol, value)
    status = "rejected" if problems else "filled"
    with p.lock:
        p.order_counts[status] += 1
    return (422 if problems else 201), {"status": status, "problems": problems}


def risk_limits(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    limits = p.limits()
    return 200, {"daily_loss_usd": limits.daily_loss_usd,
                 "max_position_usd": limits.max_position_usd,
                 "max_order_usd": limits.max_order_usd, "max_leverage": limits.max_leverage}


def risk_metrics(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    """One-day VaR and expected shortfall (95 %) of the equal-weight reference portfolio."""
    if q.get("portfolio", "reference") != "reference":
        return 404, {"error": "only the reference portfolio is known"}
    series = [daily_returns(p.closes(s)) for s in ("AAPL", "MSFT", "SPY")]
    returns = [sum(day) / len(day) for day in zip(*series, strict=True)]
    return 200, {"portfolio": "reference", "var_95": round(risk.value_at_risk(returns), 4),
                 "expected_shortfall_95": round(risk.expected_shortfall(returns), 4)}


def run_backtest(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    """Backtest a moving-average crossover on the stored daily closes."""
    closes = p.closes(str(b.get("symbol", "")))
    if not closes:
        return 422, {"error": f"unknown symbol {b.get('symbol')!r}"}
    try:
        result = backtest.sma_cross(closes, int(b.get("fast", 10)), int(b.get("slow", 30)))
    except ValueError as exc:
        return 422, {"error": str(exc)}
    return 200, {"symbol": b["symbol"], "strategy": "sma_cross", "trades": result.trades,
                 "total_return": result.total_return, "max_drawdown": result.max_drawdown}


def trading_status(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, {"accepting_orders": p.accepting_orders, "in_flight": 0}


def set_trading(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    """Halt or resume trading (admin)."""
    if not isinstance(b.get("accepting_orders"), bool):
        return 400, {"error": "give accepting_orders: true or false"}
    p.accepting_orders = b["accepting_orders"]
    p.audit("trading_resumed" if p.accepting_orders else "trading_halted")
    return 200, {"accepting_orders": p.accepting_orders, "in_flight": 0}


def deployment(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    return 200, p.deployment


def change_deployment(p: Platform, q: dict[str, str], b: dict[str, Any]) -> Reply:
    """Stop the current deployment, or roll back to the other slot (admin)."""
    action = b.get("action")
    if action == "stop":
        p.deployment["state"] = "stopped"
    elif action == "rollback":
        p.deployment["live"] = "green" if p.deployment["live"] == "blue" else "blue"
        p.deployment["state"] = "rolled back"
    else:
        return 400, {"error": "action is stop or rollback"}
    p.audit(f"deployment_{action}", live=p.deployment["live"])
    return 200, p.deployment


ROUTES: dict[tuple[str, str], tuple[str, Action]] = {
    ("GET", "/health"): ("", health),
    ("GET", "/version"): ("", version),
    ("GET", "/metrics"): ("", metrics),
    ("GET", "/openapi.json"): ("", openapi),
    ("GET", "/api/account"): ("read", account),
    ("GET", "/api/admin/users"): ("admin", admin_users),
    ("GET", "/api/market/history"): ("read", history),
    ("GET", "/api/market/quote"): ("read", quote),
    ("GET", "/api/market/hours"): ("", market_hours),
    ("GET", "/api/orders/types"): ("", order_types),
    ("POST", "/api/orders"): ("trade", place_order),
    ("GET", "/api/risk/limits"): ("read", risk_limits),
    ("GET", "/api/risk/metrics"): ("read", risk_metrics),
    ("POST", "/api/backtests"): ("read", run_backtest),
    ("GET", "/api/trading/status"): ("read", trading_status),
    ("POST", "/api/admin/trading"): ("admin", set_trading),
    ("GET", "/api/admin/deployment"): ("admin", deployment),
    ("POST", "/api/admin/deployment"): ("admin", change_deployment),
}


class Server(ThreadingHTTPServer):
    """One of the demo's servers on a free port of 127.0.0.1; HTTPS with a context."""

    daemon_threads = True
    block_on_close = False
    platform: Platform
    redirect_to = ""

    def __init__(self, handler: type[BaseHTTPRequestHandler],
                 tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        if tls is not None:
            # the handshake happens in the request's thread, not in the accepting one
            self.socket = tls.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)
        self.errors = 0

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.errors += 1  # a client that hung up mid-handshake: nothing to print

    def start(self) -> Server:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Redirect(BaseHTTPRequestHandler):
    """Plain HTTP: every request is sent to HTTPS (encryption in transit)."""

    server: Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(308)
        self.send_header("Location", f"{self.server.redirect_to}{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()


class Broker(BaseHTTPRequestHandler):
    """The external broker API the platform routes orders to."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        found = self.path == "/v1/status"
        body = json.dumps({"status": "operational", "venues": ["lit-a", "lit-b"]} if found
                          else {"error": "not found"}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
