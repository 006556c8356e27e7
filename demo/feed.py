"""The market-data feed: a websocket server (TLS) that streams quotes to subscribers.

A client sends ``{"subscribe": "AAPL"}`` and then receives a quote every 100 ms:
``{"symbol": "AAPL", "price": 181.42, "ts": "…"}``. The handshake needs
``Authorization: Bearer <feed token>``.
"""

from __future__ import annotations

import json
import random
import ssl
import threading
from http import HTTPStatus
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .service import now_stamp
from .trading.core.market import SYMBOLS

TICK = 0.1


class Feed:
    def __init__(self, token: str, tls: ssl.SSLContext) -> None:
        self.token = token
        self.server: Server = serve(self._stream, "127.0.0.1", 0, ssl=tls,
                                    process_request=self._authorize)
        self.port = int(self.server.socket.getsockname()[1])
        self.subscribers = 0
        self.lock = threading.Lock()

    def start(self) -> Feed:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def _authorize(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "feed token required\n")
        return None

    def _stream(self, connection: ServerConnection) -> None:
        try:
            message: Any = json.loads(connection.recv(timeout=10))
            symbol = message.get("subscribe") if isinstance(message, dict) else None
        except (TimeoutError, ValueError, ConnectionClosed):
            return
        if symbol not in SYMBOLS:
            connection.close(1008, f"unknown symbol {symbol!r}")
            return
        rng = random.Random(symbol)
        price = SYMBOLS[symbol]
        with self.lock:
            self.subscribers += 1
        try:
            while True:
                price = round(price * (1 + rng.gauss(0, 0.0005)), 2)
                connection.send(json.dumps({"symbol": symbol, "price": price,
                                            "ts": now_stamp()}))
                try:
                    connection.recv(timeout=TICK)
                except TimeoutError:
                    continue
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                self.subscribers -= 1
