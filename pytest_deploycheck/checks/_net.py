"""What the network checks share: one line for why a connection or a request failed,
and HTTP sessions held to a total time limit.

Private to the ``checks`` package: a check imports from here, never from a sibling check.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..units import format_duration


def describe_error(exc: OSError, timeout: float) -> str:
    """One line for a failed connection: ``connection refused``, ``timed out after 2 s``…"""
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"timed out after {format_duration(timeout)}"
    if isinstance(exc, http.client.RemoteDisconnected):  # a ConnectionResetError, too
        return "the server closed the connection without answering"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host name ({exc.strerror})"
    return exc.strerror or str(exc) or type(exc).__name__


def request_failure(exc: requests.RequestException, timeout: float) -> str:
    """The root cause of a requests failure, in one line."""
    if isinstance(exc, requests.Timeout):
        return f"timed out after {format_duration(timeout)}"
    if isinstance(exc, requests.TooManyRedirects):
        return "too many redirects"
    seen: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or current in seen:
            continue
        seen.append(current)
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {current.verify_message}"
        if isinstance(current, ssl.SSLError):
            return f"TLS error: {current.reason or current}"
        if isinstance(current, ConnectionRefusedError | ConnectionResetError | TimeoutError
                      | socket.gaierror):
            return describe_error(current, timeout)
        todo += [getattr(current, "reason", None), current.__cause__, current.__context__,
                 *current.args]
    text = str(exc)
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the server closed the connection without answering"
    return text.splitlines()[0] if text else type(exc).__name__


def body_failure(exc: urllib3.exceptions.HTTPError | OSError) -> str:
    """One line for a response that broke while its body was read."""
    cause = exc.args[1] if isinstance(exc, urllib3.exceptions.ProtocolError) and len(
        exc.args) > 1 else exc
    if isinstance(cause, urllib3.exceptions.InvalidChunkLength):  # an IncompleteRead too
        return "the response's chunked encoding is broken (an invalid chunk length)"
    if isinstance(cause, urllib3.exceptions.IncompleteRead):
        return (f"the response ended early: {cause.partial} of "
                f"{cause.partial + (cause.expected or 0)} body bytes, then the connection closed")
    if isinstance(cause, http.client.IncompleteRead):  # http.client reading chunks
        return ("the response's chunked body ended early or is malformed (after "
                f"{len(cause.partial)} bytes of a chunk)")
    if isinstance(cause, urllib3.exceptions.DecodeError):
        return f"the body cannot be decoded ({str(cause).split(':')[0]})"
    if isinstance(cause, ConnectionResetError) or "reset" in str(cause).lower():
        return "connection reset by peer while the body was read"
    text = str(cause)
    return text.splitlines()[0] if text else type(cause).__name__


# -- a total time limit for an HTTP exchange ----------------------------------------------

_current = threading.local()  # the Cutoff of the exchange running on this thread
# after the deadline: a silent server meets the per-read timeout first ("timed out after"),
# the cutoff is for those that trickle
_MARGIN = 0.1


class Cutoff:
    """Shuts down the connections an exchange opened once ``deadline`` (``time.monotonic``)
    passes: one limit for the whole exchange. A per-read timeout is no limit against a
    server that trickles its headers or body a byte at a time; this is."""

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline + _MARGIN - time.monotonic()), self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                self._cut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                self._cut(sock)

    @staticmethod
    def _cut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed: nothing to cut
            sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection that tells the exchange's Cutoff about its socket once connected."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        cutoff: Cutoff | None = getattr(_current, "cutoff", None)
        if cutoff is not None and self.sock is not None:
            cutoff.watch(self.sock)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


@contextlib.contextmanager
def session_until(deadline: float) -> Iterator[tuple[requests.Session, Cutoff]]:
    """A requests Session whose connections are cut at ``deadline``, and the Cutoff that
    says whether it fired (then a short or failed read means "not complete in time")."""
    cutoff = Cutoff(deadline)
    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, _Adapter())
    _current.cutoff = cutoff
    cutoff.start()
    try:
        yield session, cutoff
    finally:
        cutoff.stop()
        _current.cutoff = None
        session.close()
