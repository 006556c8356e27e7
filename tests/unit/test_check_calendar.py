"""The calendar check with the real exchange_calendars data (NYSE, November 2026)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.checks import fails, passes, shows
from pytest_deploycheck.model import Result

TUESDAY_10_ET = "2026-11-24T15:00:00Z"      # NYSE open (09:30 to 16:00 ET = 14:30 to 21:00 UTC)
TUESDAY_0915_ET = "2026-11-24T14:15:00Z"    # 15 minutes before the open
SATURDAY = "2026-11-28T15:00:00Z"
THANKSGIVING = "2026-11-26T15:00:00Z"       # a holiday: closed


def nyse(pattern: str | None = None, **spec: Any) -> Result:
    full = {"exchange": "XNYS", **spec}
    return passes("calendar", full) if pattern is None else fails("calendar", full, pattern)


def test_inside_trading_hours_passes_on_a_trading_morning() -> None:
    shows(nyse(inside_hours=True, at=TUESDAY_10_ET), library="*", last_session="*",
          now="2026-11-24 15:00 UTC")


def test_a_deployment_window_during_trading_fails() -> None:
    nyse("expected XNYS to be closed now; it is trading (closes 2026-11-24 21:00 UTC)",
         outside_hours=True, at=TUESDAY_10_ET)


def test_a_window_too_close_to_the_open_fails() -> None:
    nyse("expected at least 0:30:00 before the XNYS open; it opens at 14:30 UTC, in 0:15:00",
         outside_hours=True, margin="30m", at=TUESDAY_0915_ET)


@pytest.mark.parametrize("moment", [SATURDAY, THANKSGIVING])
def test_weekends_and_holidays_are_outside_hours(moment: str) -> None:
    nyse(outside_hours=True, margin="1h", at=moment)


def test_the_calendar_covers_the_days_ahead_and_the_library_is_recent() -> None:
    nyse(covers_days=90, min_version="4.0")
    nyse("expected exchange_calendars 99.0 or newer (it carries the latest closures), found *",
         min_version="99.0")


def test_an_unknown_exchange_fails() -> None:
    fails("calendar", {"exchange": "NOPE", "covers_days": 1},
          "unknown exchange 'NOPE' (codes like XNYS, XLON, XTKS)")
