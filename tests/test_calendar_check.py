"""The calendar check with the real exchange_calendars data (NYSE, November 2026)."""

from __future__ import annotations

import pytest

from conftest import Project

TUESDAY_10_ET = "2026-11-24T15:00:00Z"      # NYSE open (09:30 to 16:00 ET = 14:30 to 21:00 UTC)
TUESDAY_0915_ET = "2026-11-24T14:15:00Z"    # 15 minutes before the open
SATURDAY = "2026-11-28T15:00:00Z"
THANKSGIVING = "2026-11-26T15:00:00Z"       # a holiday: closed


def run_one(project: Project, spec: str) -> pytest.RunResult:
    return project.run_check(f"{{calendar: {{exchange: XNYS, {spec}}}}}")


def test_inside_trading_hours_passes_on_a_trading_morning(project: Project) -> None:
    result = run_one(project, f"inside_hours: true, at: '{TUESDAY_10_ET}'")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["library: *", "last session: *", "now: 2026-11-24 15:00 UTC"])


def test_a_deployment_window_during_trading_fails(project: Project) -> None:
    result = run_one(project, f"outside_hours: true, at: '{TUESDAY_10_ET}'")
    result.stdout.fnmatch_lines(["expected XNYS to be closed now; it is trading (closes "
                                 "2026-11-24 21:00 UTC)"])


def test_a_window_too_close_to_the_open_fails(project: Project) -> None:
    result = run_one(project, f"outside_hours: true, margin: 30m, at: '{TUESDAY_0915_ET}'")
    result.stdout.fnmatch_lines(["expected at least 0:30:00 before the XNYS open; it opens at "
                                 "14:30 UTC, in 0:15:00"])


@pytest.mark.parametrize("moment", [SATURDAY, THANKSGIVING])
def test_weekends_and_holidays_are_outside_hours(project: Project, moment: str) -> None:
    run_one(project, f"outside_hours: true, margin: 1h, at: '{moment}'").assert_outcomes(passed=1)


def test_the_calendar_covers_the_days_ahead_and_the_library_is_recent(project: Project) -> None:
    run_one(project, "covers_days: 90, min_version: '4.0'").assert_outcomes(passed=1)
    result = run_one(project, "min_version: '99.0'")
    result.stdout.fnmatch_lines(["expected exchange_calendars 99.0 or newer (it carries the "
                                 "latest closures), found *"])


def test_an_unknown_exchange_fails(project: Project) -> None:
    result = project.run_check("{calendar: {exchange: NOPE, covers_days: 1}}")
    result.stdout.fnmatch_lines(["unknown exchange 'NOPE' (codes like XNYS, XLON, XTKS)"])
