"""A watch's ``/healthz`` and ``/metrics`` over HTTP (:class:`Endpoints`): bound before
the watch starts, so that a port that cannot be had is said before anything runs, and
served on threads of their own; what they answer is the watch's
(:meth:`~pytest_deploycheck.watch.Watch.health`,
:meth:`~pytest_deploycheck.watch.Watch.metrics`)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .errors import DeploycheckError
from .report.exposition import CONTENT_TYPE

if TYPE_CHECKING:
    from .watch import Watch


class Endpoints:
    """``/healthz`` and ``/metrics``, bound when made — a port that cannot be had is an
    error before anything runs — and served on threads of their own from :meth:`start`
    until :meth:`close`; they tell of ``watch`` once it is set ("starting" until then)."""

    def __init__(self, listen: str = "127.0.0.1", port: int = 0) -> None:
        self.watch: Watch | None = None
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # a client that sends nothing is let go

            def do_GET(self) -> None:
                status, body, kind = endpoints.answer(self.path.split("?", 1)[0])
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return  # scrapes are no news

        family = socket.AF_INET6 if ":" in listen else socket.AF_INET
        try:
            self.server = type("Server", (ThreadingHTTPServer,), {"address_family": family})(
                (listen, port), Handler)
        except OSError as exc:
            raise DeploycheckError(f"cannot serve on {listen}:{port}: "
                                   f"{exc.strerror or exc}") from None
        self.server.daemon_threads = True
        host, port = str(self.server.server_address[0]), self.server.server_address[1]
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self._thread: threading.Thread | None = None

    def answer(self, path: str) -> tuple[int, str, str]:
        """(status, body, content type) for a GET of ``path``."""
        found = self.watch
        if path == "/metrics":
            return 200, found.metrics() if found else "", CONTENT_TYPE
        if path == "/healthz":
            status, data = found.health() if found else (503, {"status": "starting"})
            body = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
            return status, found.run.secrets.redact(body) if found else body, \
                "application/json"
        return 404, "deploycheck watch serves /healthz and /metrics\n", \
            "text/plain; charset=utf-8"

    def start(self) -> Endpoints:
        if self._thread is None:
            self._thread = threading.Thread(target=self.server.serve_forever,
                                            kwargs={"poll_interval": 0.2},
                                            name="deploycheck-watch-http", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
        self.server.server_close()
