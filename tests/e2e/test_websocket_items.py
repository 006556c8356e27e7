"""The websocket check as an item: a stay longer than the item's timeout (its
judgement is in ``unit/test_check_websocket.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers.project import Project
from helpers.servers import websocket_server


@pytest.fixture(scope="module")
def ws_url() -> Iterator[str]:
    with websocket_server() as url:
        yield url


def run_one(project: Project, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{websocket: {{{spec}}}}}", extra=extra)


def test_a_stay_longer_than_the_timeout_is_refused(project: Project, ws_url: str) -> None:
    result = run_one(project, f"url: '{ws_url}/feed', stay: 20s")
    result.stdout.fnmatch_lines(["stay (20.0 s) must be shorter than the item's timeout "
                                 "(10.0 s): raise 'timeout'"])
