"""The websocket check against a real websockets server on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conftest import Project
from servers import closed_port, websocket_server


@pytest.fixture(scope="module")
def ws_url() -> Iterator[str]:
    with websocket_server() as url:
        yield url


def run_one(project: Project, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{websocket: {{{spec}}}}}", extra=extra)


def test_a_feed_that_stays_up_passes(project: Project, ws_url: str) -> None:
    result = run_one(project, f"url: '{ws_url}/feed', expect: '\"price\":', min_messages: 3, "
                              "stay: 1s", extra="timeout: 5s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["first message: {\"symbol\": \"AAPL\", \"price\": 100}",
                                 "messages: *", "connected for: *"])


def test_a_subscription_gets_its_reply(project: Project, ws_url: str) -> None:
    run_one(project, f"url: '{ws_url}/echo', send: '{{\"subscribe\": \"AAPL\"}}', "
                     "expect: subscribe").assert_outcomes(passed=1)


def test_a_drop_during_the_stability_window_fails(project: Project, ws_url: str) -> None:
    started = time.monotonic()
    result = run_one(project, f"url: '{ws_url}/drop', stay: 3s", extra="timeout: 5s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["the connection dropped after 1.* s of 3.0 s (close code 1011)"])
    assert time.monotonic() - started < 4


def test_no_matching_message_fails_within_the_timeout(project: Project, ws_url: str) -> None:
    result = run_one(project, f"url: '{ws_url}/echo', expect: pong", extra="timeout: 500ms")
    result.stdout.fnmatch_lines(["expected a message matching 'pong' within 500 ms; got 0 "
                                 "messages"])


def test_nothing_listening_fails_with_connection_refused(project: Project) -> None:
    result = run_one(project, f"url: 'ws://127.0.0.1:{closed_port()}/feed'")
    result.stdout.fnmatch_lines(["ws://127.0.0.1:*/feed: connection refused"])


def test_a_stay_longer_than_the_timeout_is_refused(project: Project, ws_url: str) -> None:
    result = run_one(project, f"url: '{ws_url}/feed', stay: 20s")
    result.stdout.fnmatch_lines(["stay (20.0 s) must be shorter than the item's timeout "
                                 "(10.0 s): raise 'timeout'"])
