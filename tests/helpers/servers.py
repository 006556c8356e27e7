"""Real servers on loopback for the tests: HTTP(S) with scripted behaviour."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme

OK_BODY = {"status": "ok", "version": "1.4.0", "checks": [{"name": "db", "up": True}]}


class Handler(BaseHTTPRequestHandler):
    """Routes:

    /ok                 200 JSON (OK_BODY)
    /status/N           status N
    /slow/S             waits S seconds, then 200 (counting requests in flight)
    /trickle            headers at once, then one body byte every 0.2 s for 5 s
    /redirect           302 to /ok
    /badjson            200 with an invalid JSON body
    /reset              resets the connection without answering
    /flaky/KEY/N        503 for the first N requests of KEY, then 200
    /breaks/KEY/S       200 for S seconds after the first request of KEY, then 500
    """

    server: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))
        parts = self.path.split("?")[0].strip("/").split("/")
        route = parts[0]
        if route == "ok":
            self._send(200, json.dumps(OK_BODY).encode(), "application/json")
        elif route == "status":
            self._send(int(parts[1]), b"status " + parts[1].encode())
        elif route == "slow":
            with self.server.lock:
                self.server.in_flight += 1
                self.server.most_in_flight = max(self.server.most_in_flight,
                                                 self.server.in_flight)
            time.sleep(float(parts[1]))
            with self.server.lock:
                self.server.in_flight -= 1
            self._send(200, b"finally")
        elif route == "trickle":
            self.send_response(200)
            self.send_header("Content-Length", "25")
            self.end_headers()
            for _ in range(25):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        elif route == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "badjson":
            self._send(200, b"{not json", "application/json")
        elif route == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif route == "breaks":
            with self.server.lock:
                first = self.server.first_seen.setdefault(parts[1], time.monotonic())
            healthy = time.monotonic() - first < float(parts[2])
            self._send(200 if healthy else 500, b"fine" if healthy else b"broken")
        elif route == "flaky":
            key, failures = parts[1], int(parts[2])
            count = self.server.counts.get(key, 0) + 1
            self.server.counts[key] = count
            if count <= failures:
                self._send(503, b"not yet")
            else:
                self._send(200, b"ready")
        else:
            self._send(404, b"no such route")

    do_POST = do_GET
    do_HEAD = do_GET


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.counts: dict[str, int] = {}
        self.first_seen: dict[str, float] = {}
        self.scheme = "http"
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up early (timeouts under test) are expected

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serve(context: ssl.SSLContext | None = None) -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def accepting(handle: Callable[[socket.socket], None], *,
              threaded: bool = True) -> Iterator[int]:
    """A loopback listener that hands each connection to ``handle`` (on a thread of its
    own, or one after the other), closing it afterwards; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            handle(conn)

    def serve_forever() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            if threaded:
                threading.Thread(target=answer, args=(conn,), daemon=True).start()
            else:
                answer(conn)

    thread = threading.Thread(target=serve_forever, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


@contextmanager
def fault_server(behave: Callable[[socket.socket], None]) -> Iterator[str]:
    """http://127.0.0.1:PORT, a raw socket server that reads each request's head and then
    lets ``behave`` answer (or not) on the socket: trickles, short bodies, resets."""
    def answer(conn: socket.socket) -> None:
        conn.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head and (chunk := conn.recv(4096)):
            head += chunk
        behave(conn)

    with accepting(answer) as port:
        yield f"http://127.0.0.1:{port}"


def trickle(data: bytes, every: float = 0.9) -> Callable[[socket.socket], None]:
    """A behaviour: send ``data`` one byte at a time, ``every`` seconds apart."""
    def behave(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(every)
    return behave


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset (RST) instead of an orderly FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


@contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def tls_server(context: ssl.SSLContext) -> Iterator[int]:
    """A loopback TLS server that completes handshakes and hangs up; yields its port."""
    def handshake(conn: socket.socket) -> None:
        conn.settimeout(5)
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)  # wait for the client to hang up

    with accepting(handshake, threaded=False) as port:
        yield port


@contextmanager
def websocket_server() -> Iterator[str]:
    """ws://127.0.0.1:PORT with /feed (a message every 0.2 s), /echo, and /drop (closes
    with 1011 after 1 s)."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.server import ServerConnection, serve

    def handler(ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):  # clients that leave early are expected
            talk(ws)

    def talk(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/"
        if path == "/echo":
            for message in ws:
                ws.send(message)
        elif path == "/drop":
            ws.send('{"price": 101.5}')
            time.sleep(1)
            ws.close(1011, "feed lost")
        else:
            for n in range(100):
                ws.send(f'{{"symbol": "AAPL", "price": {100 + n}}}')
                time.sleep(0.2)

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}"
        finally:
            server.shutdown()


@contextmanager
def certificate_server(ca: trustme.CA, *names: str, max_version: ssl.TLSVersion | None = None,
                       not_before: dt.datetime | None = None,
                       not_after: dt.datetime | None = None) -> Iterator[int]:
    """A loopback TLS server with a certificate for ``names`` from ``ca``; yields its port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names, not_before=not_before, not_after=not_after).configure_cert(context)
    if max_version is not None:
        context.maximum_version = max_version
    with tls_server(context) as port:
        yield port
