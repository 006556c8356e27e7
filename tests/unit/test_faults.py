"""The fault matrix: servers that trickle, cut short, reset or never answer. Every check
ends within its own time limit with one line naming the cause — never abandoned by the
runner, never "the check raised …"."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from helpers.checks import fails
from helpers.servers import fault_server, reset, silent_port, trickle

TIMEOUT = 2.0
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def answer(data: bytes, then: Callable[[socket.socket], None] | None = None,
           ) -> Callable[[socket.socket], None]:
    def behave(conn: socket.socket) -> None:
        conn.sendall(data)
        if then is not None:
            then(conn)
    return behave


def hang_up(conn: socket.socket) -> None:
    conn.shutdown(socket.SHUT_WR)
    time.sleep(0.5)


def in_time(type_name: str, spec: dict[str, Any], pattern: str) -> None:
    started = time.monotonic()
    result = fails(type_name, spec, pattern, timeout=TIMEOUT)
    took = time.monotonic() - started
    assert took < TIMEOUT + 0.6, f"{result.message!r} after {took:.1f} s"
    assert "abandoned" not in result.message
    assert "raised" not in result.message


HTTP_FAULTS = [
    ("headers trickled", trickle(HEAD + b"X-Slow: " + b"a" * 40),
     "GET *: no complete response headers after 2.0 s"),
    ("body trickled", answer(HEAD + b"Content-Length: 1000\r\n\r\n", trickle(b"x" * 100)),
     "GET *: the body was not complete after 2.0 s (* bytes so far)"),
    ("body trickled, no length", answer(HEAD + b"Connection: close\r\n\r\n", trickle(b"x" * 99)),
     "GET *: the body was not complete after 2.0 s (* bytes so far)"),
    ("cut short", answer(HEAD + b"Content-Length: 1000\r\n\r\n" + b"x" * 12),
     "GET *: the response ended early: 12 of 1000 body bytes, then the connection closed"),
    ("cut short by a reset", answer(HEAD + b"Content-Length: 1000\r\n\r\n" + b"x" * 12, reset),
     "GET *: *"),
    ("broken chunking", answer(HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"),
     "GET *: the response's chunked body ended early or is malformed (after 0 bytes of a "
     "chunk)"),
    ("bad gzip", answer(HEAD + b"Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnope!"),
     "GET *: the body cannot be decoded (*)"),
    ("silence", lambda conn: time.sleep(5), "GET *: timed out after 2.0 s"),
    ("hang up", hang_up, "GET *: the server closed the connection without answering"),
]


@pytest.mark.parametrize(("behave", "pattern"), [f[1:] for f in HTTP_FAULTS],
                         ids=[f[0] for f in HTTP_FAULTS])
def test_http_faults_end_in_time_with_their_cause(
    behave: Callable[[socket.socket], None], pattern: str
) -> None:
    with fault_server(behave) as url:
        in_time("http", {"url": f"{url}/health"}, pattern)


@pytest.mark.parametrize(("behave", "pattern"), [
    (answer(HEAD + b"Content-Length: 1000\r\n\r\n", trickle(b'{"status": "success"')),
     "http://*/api/v1/query: no complete response after 2.0 s"),
    (trickle(HEAD), "http://*/api/v1/query: no complete response after 2.0 s"),
    (answer(HEAD + b"Content-Length: 1000\r\n\r\n" + b'{"status": '),
     "http://*/api/v1/query: *"),
], ids=["body trickled", "headers trickled", "cut short"])
def test_prometheus_faults_end_in_time_with_their_cause(
    behave: Callable[[socket.socket], None], pattern: str
) -> None:
    with fault_server(behave) as url:
        in_time("prometheus", {"url": url, "query": "up", "min": 1}, pattern)


def test_a_postgresql_that_never_answers_fails_in_time() -> None:
    with silent_port() as port:
        in_time("sql", {"url": f"postgresql+psycopg://app@127.0.0.1:{port}/app"},
                f"postgresql+psycopg://app@127.0.0.1:{port}/app: PostgreSQL did not answer "
                "within 2.0 s")


def test_websocket_and_tcp_to_a_silent_port_fail_in_time() -> None:
    with silent_port() as port:
        in_time("websocket", {"url": f"ws://127.0.0.1:{port}/feed"}, "*timed out*")
