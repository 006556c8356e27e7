"""What the network checks share: one line for why a connection or a request failed.

Private to the ``checks`` package: a check imports from here, never from a sibling check.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

import requests

from ..units import format_duration


def describe_error(exc: OSError, timeout: float) -> str:
    """One line for a failed connection: ``connection refused``, ``timed out after 2 s``…"""
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"timed out after {format_duration(timeout)}"
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
