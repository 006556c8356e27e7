"""The http check against real loopback servers."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import trustme

from helpers.checks import fails, passes, shows
from helpers.servers import LoopbackServer, closed_port, serve


def test_a_healthy_endpoint_passes_with_body_and_json_expectations(
    http_server: LoopbackServer,
) -> None:
    result = passes("http", {"url": f"{http_server.url}/ok", "status": 200, "contains": "ok",
                             "matches": r"version.*1\.4",
                             "json_path": {"$.status": "ok", "$.checks[0].up": True},
                             "response_headers": {"Content-Type": "json"},
                             "max_latency": "2s"})
    shows(result, status="200", latency="* ms")


def test_a_503_fails_with_one_line_naming_expected_and_actual_status(
    http_server: LoopbackServer,
) -> None:
    fails("http", {"url": f"{http_server.url}/status/503"},
          "expected status 200, got 503 Service Unavailable")


def test_a_list_of_statuses_accepts_any_of_them(http_server: LoopbackServer) -> None:
    passes("http", {"url": f"{http_server.url}/status/204", "status": [200, 204]})


def test_a_closed_port_fails_with_connection_refused() -> None:
    fails("http", {"url": f"http://127.0.0.1:{closed_port()}/"},
          "GET http://127.0.0.1:*/: connection refused")


def test_a_server_that_hangs_fails_within_the_timeout(http_server: LoopbackServer) -> None:
    started = time.monotonic()
    fails("http", {"url": f"{http_server.url}/slow/3"}, "*: timed out after 500 ms",
          timeout=0.5)
    assert time.monotonic() - started < 2


def test_a_slow_body_is_cut_off_at_the_timeout(http_server: LoopbackServer) -> None:
    started = time.monotonic()
    fails("http", {"url": f"{http_server.url}/trickle"},
          "GET */trickle: the body was not complete after 1.0 s (* bytes so far)", timeout=1)
    assert time.monotonic() - started < 3


def test_a_reset_connection_fails_with_a_one_line_reason(http_server: LoopbackServer) -> None:
    fails("http", {"url": f"{http_server.url}/reset"}, "*/reset: connection reset by peer")


def test_invalid_json_fails_saying_so(http_server: LoopbackServer) -> None:
    fails("http", {"url": f"{http_server.url}/badjson", "json_path": {"$.status": "ok"}},
          "expected a JSON body, got invalid JSON*")


def test_a_json_path_mismatch_names_path_expected_and_found(http_server: LoopbackServer) -> None:
    fails("http", {"url": f"{http_server.url}/ok", "json_path": {"$.version": "1.5.0"}},
          "expected $.version == '1.5.0', got '1.4.0'")


def test_missing_body_text_fails_quoting_the_start_of_the_body(
    http_server: LoopbackServer,
) -> None:
    fails("http", {"url": f"{http_server.url}/ok", "contains": "healthy"},
          "expected the body to contain 'healthy'; it does not (starts*")


def test_latency_over_the_limit_fails(http_server: LoopbackServer) -> None:
    fails("http", {"url": f"{http_server.url}/slow/0.3", "max_latency": "100ms"},
          "expected a response within 100 ms, took * ms")


def test_redirects_are_followed_unless_told_not_to(http_server: LoopbackServer) -> None:
    shows(passes("http", {"url": f"{http_server.url}/redirect"}), final_url="*/ok")
    passes("http", {"url": f"{http_server.url}/redirect", "follow_redirects": False,
                    "status": 302})


def test_https_with_the_projects_ca_bundle_passes(
    tmp_path: Path, https_server: LoopbackServer, tls_ca: trustme.CA
) -> None:
    tls_ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    passes("http", {"url": f"{https_server.url}/ok", "ca_bundle": "ca.pem"}, root=tmp_path)


def test_https_with_an_unknown_ca_fails_as_untrusted(https_server: LoopbackServer) -> None:
    fails("http", {"url": f"{https_server.url}/ok"}, "*: TLS certificate not trusted: *")


def test_https_without_verification_passes(https_server: LoopbackServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3's InsecureRequestWarning: asked for
        passes("http", {"url": f"{https_server.url}/ok", "verify": False})


def test_the_request_sends_method_headers_and_body() -> None:
    with serve() as server:
        passes("http", {"url": f"{server.url}/ok", "method": "POST",
                        "headers": {"X-Deploy": "yes"}, "json": {"ping": 1}})
        (path, headers), = server.seen
    assert path == "/ok"
    assert headers["X-Deploy"] == "yes"
    assert headers["Content-Type"] == "application/json"


def test_a_token_from_the_environment_is_sent_and_never_shown(
    http_server: LoopbackServer,
) -> None:
    result = fails("http", {"url": f"{http_server.url}/status/503?token=${{env:API_TOKEN}}"},
                   "expected status 200, got 503*", environ={"API_TOKEN": "canary-t0ken"})
    assert "canary-t0ken" not in f"{result.message} {result.evidence}"
    assert result.evidence["url"] == f"{http_server.url}/status/503?token=•••"
