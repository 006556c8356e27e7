"""The http check as an item: the failure line pytest prints, polling with retry, a
mistake in its spec at collection (its judgement is in ``unit/test_check_http.py``)."""

from __future__ import annotations

import time

from helpers.project import Project, assert_clean, one_item
from helpers.servers import LoopbackServer


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


