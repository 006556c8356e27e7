"""The http check against real loopback servers."""

from __future__ import annotations

import time

import trustme

from conftest import Project, assert_clean, one_item
from servers import LoopbackServer, closed_port, serve


def test_a_healthy_endpoint_passes_with_body_and_json_expectations(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(
        f'{{http: {{url: "{http_server.url}/ok", status: 200, contains: ok, '
        f'matches: "version.*1\\\\.4", json_path: {{"$.status": ok, "$.checks[0].up": true}}, '
        f'response_headers: {{Content-Type: json}}, max_latency: 2s}}}}'))
    result = project.run("-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["status: 200", "latency: * ms"])


def test_a_503_fails_with_one_line_naming_expected_and_actual_status(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/status/503"}}}}'))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "expected status 200, got 503 Service Unavailable",
        "FAILED checks/app.yaml::main::probe - expected status 200, got 503*",
    ])
    assert_clean(result)


def test_a_list_of_statuses_accepts_any_of_them(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/status/204", '
                               f'status: [200, 204]}}}}'))
    project.run().assert_outcomes(passed=1)


def test_a_closed_port_fails_with_connection_refused(project: Project) -> None:
    project.checklist(one_item(f'{{http: {{url: "http://127.0.0.1:{closed_port()}/"}}}}'))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GET http://127.0.0.1:*/: connection refused"])
    assert_clean(result)


def test_a_server_that_hangs_fails_within_the_items_timeout(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/slow/3"}}}}',
                               extra="timeout: 500ms"))
    started = time.monotonic()
    result = project.run()
    elapsed = time.monotonic() - started
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*: timed out after 500 ms"])
    assert elapsed < 2, f"took {elapsed:.1f} s"


def test_a_slow_body_is_cut_off_at_the_timeout(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/trickle"}}}}',
                               extra="timeout: 1s"))
    started = time.monotonic()
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["timed out after 1.0 s reading the body (* bytes so far)"])
    assert time.monotonic() - started < 3


def test_a_reset_connection_fails_with_a_one_line_reason(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/reset"}}}}'))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*/reset: connection reset by peer"])
    assert_clean(result)


def test_invalid_json_fails_saying_so(project: Project, http_server: LoopbackServer) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/badjson", '
                               f'json_path: {{"$.status": ok}}}}}}'))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["expected a JSON body, got invalid JSON*"])


def test_a_json_path_mismatch_names_path_expected_and_found(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/ok", '
                               f'json_path: {{"$.version": "1.5.0"}}}}}}'))
    result = project.run()
    result.stdout.fnmatch_lines(["expected $.version == '1.5.0', got '1.4.0'"])


def test_missing_body_text_fails_quoting_the_start_of_the_body(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/ok", contains: healthy}}}}'))
    result = project.run()
    result.stdout.fnmatch_lines(["expected the body to contain 'healthy'; it does not (starts*"])


def test_latency_over_the_limit_fails(project: Project, http_server: LoopbackServer) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/slow/0.3", '
                               f'max_latency: 100ms}}}}'))
    result = project.run()
    result.stdout.fnmatch_lines(["expected a response within 100 ms, took * ms"])


def test_redirects_are_followed_unless_told_not_to(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/redirect"}}}}'), name="a")
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/redirect", '
                               f'follow_redirects: false, status: 302}}}}').replace(
                                   "checklist: app", "checklist: b"), name="b")
    result = project.run("-rA")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["final url: */ok"])


def test_https_with_the_projects_ca_bundle_passes(
    project: Project, https_server: LoopbackServer, tls_ca: trustme.CA
) -> None:
    tls_ca.cert_pem.write_to_path(str(project.path / "ca.pem"))
    project.checklist(one_item(f'{{http: {{url: "{https_server.url}/ok", ca_bundle: ca.pem}}}}'))
    project.run().assert_outcomes(passed=1)


def test_https_with_an_unknown_ca_fails_as_untrusted(
    project: Project, https_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{https_server.url}/ok"}}}}'))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*: TLS certificate not trusted: *"])
    assert_clean(result)


def test_https_without_verification_passes(
    project: Project, https_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{https_server.url}/ok", verify: false}}}}'))
    project.run("-W", "ignore").assert_outcomes(passed=1)


def test_retry_polls_until_the_endpoint_is_ready(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/flaky/poll-ok/2"}}}}',
                               extra="retry: {timeout: 5s, interval: 100ms}"))
    result = project.run("-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["attempts: 3"])


def test_retry_gives_up_when_time_runs_out_and_says_how_often_it_tried(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/flaky/poll-never/1000"}}}}',
                               extra="retry: {timeout: 1s, interval: 200ms}"))
    started = time.monotonic()
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "expected status 200, got 503 Service Unavailable (still failing after * attempts in *)",
    ])
    assert time.monotonic() - started < 3


def test_a_url_without_scheme_is_a_collection_error(project: Project) -> None:
    project.checklist(one_item('{http: {url: "example.com/health"}}'))
    result = project.run()
    result.stdout.fnmatch_lines([
        "*checks/app.yaml:10:*: item 'probe', field 'check.http': url 'example.com/health' "
        "must start with http:// or https://",
    ])
    assert result.ret == 2


def test_the_request_sends_method_headers_and_body(project: Project) -> None:
    with serve() as server:
        project.checklist(one_item(
            f'{{http: {{url: "{server.url}/ok", method: POST, headers: {{X-Deploy: "yes"}}, '
            f'json: {{ping: 1}}}}}}'))
        project.run().assert_outcomes(passed=1)
        (path, headers), = server.seen
    assert path == "/ok"
    assert headers["X-Deploy"] == "yes"
    assert headers["Content-Type"] == "application/json"
