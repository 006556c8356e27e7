"""``hold:``: an item that must hold over a window — it fails as soon as it breaks, passes
only after the whole window, and many holds run side by side."""

from __future__ import annotations

import re
import time

import pytest

from helpers.project import Project, assert_clean, checklist_of, one_item
from helpers.servers import LoopbackServer

HOLD = "hold: {for: 3s, every: 250ms}"


def test_a_hold_fails_as_soon_as_the_service_breaks_naming_the_attempt(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/breaks/one/1"}}}}',
                               extra=HOLD))
    started = time.monotonic()
    result = project.run("-rA")
    took = time.monotonic() - started
    result.assert_outcomes(failed=1)
    assert took < 2.2, f"{took:.1f} s: the hold should fail after about one second"
    result.stdout.fnmatch_lines([
        "failed at attempt *, 1.* s into a 3.0 s hold: expected status 200, got 500 Internal "
        "Server Error",
        "*evidence*",
        "held until: 1.* s", "attempts: *", "failed attempts: 1",
        "timeline: +0s ok 200; +0.25s ok 200; +0.5s ok 200; * FAILED 500",
        "last: url: http://127.0.0.1:*/breaks/one/1", "last: status: 500"])
    assert_clean(result)


def test_a_hold_passes_only_after_the_whole_window(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/ok"}}}}', extra=HOLD))
    started = time.monotonic()
    result = project.run("-rA")
    took = time.monotonic() - started
    result.assert_outcomes(passed=1)
    assert 3.0 <= took < 4.5, f"{took:.1f} s"
    result.stdout.fnmatch_lines(["held: 3.0 s", "attempts: 13", "failed attempts: 0"])
    # while the run waits: one line in a log (no terminal), not one a second
    said = [line for line in result.stdout.lines if line.startswith("holding ")]
    assert len(said) == 1
    assert re.fullmatch(r"holding app::probe: [\d.]+ s left", said[0]), said


def test_ten_holds_run_side_by_side(project: Project, http_server: LoopbackServer) -> None:
    project.checklist(checklist_of(*(
        f'{{id: h{n}, title: Hold {n}, {HOLD}, check: {{http: {{url: "{http_server.url}/ok"}}}}}}'
        for n in range(10))))
    started = time.monotonic()
    result = project.run()
    took = time.monotonic() - started
    result.assert_outcomes(passed=10)
    assert took < 5, f"ten 3-second holds took {took:.1f} s"


def test_a_failure_limit_tolerates_that_many_failed_attempts(
    project: Project, http_server: LoopbackServer
) -> None:
    project.checklist(one_item(f'{{http: {{url: "{http_server.url}/flaky/limit/2"}}}}',
                               extra="hold: {for: 1s, every: 200ms, failure_limit: 2}"))
    result = project.run("-rA")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["failed attempts: 2"])


def test_x_ends_the_other_holds_at_once(project: Project, http_server: LoopbackServer) -> None:
    project.checklist(checklist_of(
        f'{{id: breaks, title: Breaks, hold: {{for: 1s, every: 100ms}}, '
        f'check: {{http: {{url: "{http_server.url}/status/500"}}}}}}',
        *(f'{{id: h{n}, title: Hold {n}, hold: {{for: 20s, every: 1s}}, '
          f'check: {{http: {{url: "{http_server.url}/ok"}}}}}}' for n in range(3))))
    started = time.monotonic()
    result = project.run("-x")
    result.assert_outcomes(failed=1)
    assert time.monotonic() - started < 5  # not the 20 s of the others' windows


@pytest.mark.parametrize(("extra", "message"), [
    ("hold: {for: 1s, every: 2s}", "field 'hold': 'every' is longer than the window ('for'): "
                                   "the check would run once"),
    ("hold: {for: 1s, evry: 2s}", "field 'hold.evry': unknown key 'evry' — did you mean "
                                  "'every'?"),
    ("hold: {for: 0s}", "field 'hold.for': *"),
    ("hold: {for: 5s}\n                retry: {timeout: 5s}",
     "field 'hold': 'hold' and 'retry' together — a hold runs the check again and again "
     "already: drop 'retry'"),
], ids=["every beyond the window", "misspelt key", "no window", "with retry"])
def test_a_wrong_hold_is_a_collection_error(project: Project, extra: str, message: str) -> None:
    project.checklist(one_item('{env: {names: [PATH]}}', extra=extra))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines([f"*checks/app.yaml:*: item 'probe', {message}"])
