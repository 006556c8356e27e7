"""The websocket check against a real websockets server on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from helpers.checks import fails, passes, shows
from helpers.servers import closed_port, websocket_server


@pytest.fixture(scope="module")
def ws_url() -> Iterator[str]:
    with websocket_server() as url:
        yield url


def test_a_feed_that_stays_up_passes(ws_url: str) -> None:
    result = passes("websocket", {"url": f"{ws_url}/feed", "expect": '"price":',
                                  "min_messages": 3, "stay": "1s"}, timeout=5)
    shows(result, first_message='{"symbol": "AAPL", "price": 100}', messages="*",
          connected_for="*")


def test_a_subscription_gets_its_reply(ws_url: str) -> None:
    passes("websocket", {"url": f"{ws_url}/echo", "send": '{"subscribe": "AAPL"}',
                         "expect": "subscribe"})


def test_a_drop_during_the_stability_window_fails(ws_url: str) -> None:
    started = time.monotonic()
    fails("websocket", {"url": f"{ws_url}/drop", "stay": "3s"},
          "the connection dropped after 1.* s of 3.0 s (close code 1011)", timeout=5)
    assert time.monotonic() - started < 4


def test_no_matching_message_fails_within_the_timeout(ws_url: str) -> None:
    fails("websocket", {"url": f"{ws_url}/echo", "expect": "pong"},
          "expected a message matching 'pong' within 500 ms; got 0 messages", timeout=0.5)


def test_nothing_listening_fails_with_connection_refused() -> None:
    fails("websocket", {"url": f"ws://127.0.0.1:{closed_port()}/feed"},
          "ws://127.0.0.1:*/feed: connection refused")
