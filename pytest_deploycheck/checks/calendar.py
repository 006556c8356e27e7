"""``calendar``: the exchange calendar is current, and now is (or is not) trading time
(needs ``pip install 'pytest-deploycheck[calendar]'``, exchange_calendars).

.. code-block:: yaml

    check:
      calendar:
        exchange: XNYS          # required: an exchange_calendars code (XNYS, XLON, XTKS …)
        covers_days: 30         # optional: sessions are defined at least this far ahead
        min_version: "4.13"     # optional: exchange_calendars at least this version, which
                                # carries the latest ad-hoc closures ("holiday calendar updated")
        outside_hours: true     # optional: now is outside trading hours …
        margin: 30m             # … by at least this much from the next open / last close
        inside_hours: false     # optional: now is inside trading hours
        at: "2026-11-24T15:00:00Z"   # optional: check this moment instead of now

Evidence: ``last session``, ``library``, ``now``, ``next open``, ``previous close``.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Duration

INSTALL = "pip install 'pytest-deploycheck[calendar]'"


@dataclass(frozen=True)
class Calendar:
    exchange: str
    covers_days: int | None = None
    min_version: str | None = None
    outside_hours: bool = False
    inside_hours: bool = False
    margin: Duration = 0.0
    at: str | None = None

    def __post_init__(self) -> None:
        if self.outside_hours and self.inside_hours:
            raise PydanticCustomError("deploycheck_invalid",
                                      "give outside_hours or inside_hours, not both")
        if self.at is not None:
            try:
                _moment(self.at)
            except ValueError:
                raise PydanticCustomError(
                    "deploycheck_invalid",
                    f"at {self.at!r} is not a time like 2026-11-24T15:00:00Z") from None


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


_CALENDARS: dict[str, Any] = {}
_LOCK = threading.Lock()


@contextmanager
def _quiet() -> Iterator[None]:
    """One calendar probe at a time, with pandas' warnings about its own internals
    silenced (exchange_calendars 4.13 with pandas 3.1): they concern neither the item nor
    the user's code, and would land on whichever item pytest reports meanwhile."""
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def _calendar(library: Any, code: str) -> Any:
    """The exchange's calendar, built once a run (it takes a few hundred ms)."""
    if code not in _CALENDARS:
        _CALENDARS[code] = library.get_calendar(code)
    return _CALENDARS[code]


# Not concurrent, though it only reads: it silences pandas' warnings, and Python's warning
# filters are the process's, swapped by pytest around every item. Run when its own item's
# turn comes, the silencing nests inside that item's filters and never races them.
@check_type("calendar", imports=("exchange_calendars", "pandas"))
def run(spec: Calendar, ctx: CheckContext) -> None:
    """Exchange calendar current; now inside/outside trading hours."""
    try:
        import exchange_calendars
        import pandas
    except ImportError:
        raise CheckFailed(f"the calendar check needs exchange_calendars: {INSTALL}") from None
    with _quiet():
        _probe(spec, ctx, exchange_calendars, pandas)


def _probe(spec: Calendar, ctx: CheckContext, exchange_calendars: Any, pandas: Any) -> None:
    ctx.record(library=exchange_calendars.__version__)
    if spec.min_version and _version(exchange_calendars.__version__) < _version(spec.min_version):
        raise CheckFailed(f"expected exchange_calendars {spec.min_version} or newer (it carries "
                          f"the latest closures), found {exchange_calendars.__version__}")
    try:
        cal = _calendar(exchange_calendars, spec.exchange)
    except exchange_calendars.errors.InvalidCalendarName:
        raise CheckFailed(f"unknown exchange {spec.exchange!r} (codes like XNYS, XLON, XTKS)"
                          ) from None
    now = _moment(spec.at) if spec.at else datetime.now(timezone.utc)
    last = cal.last_session.date()
    ctx.record(**{"last session": str(last), "now": now.strftime("%Y-%m-%d %H:%M UTC")})
    if spec.covers_days is not None and last < (now + timedelta(days=spec.covers_days)).date():
        raise CheckFailed(f"expected the {spec.exchange} calendar to cover the next "
                          f"{spec.covers_days} days, it ends on {last}")
    if not (spec.outside_hours or spec.inside_hours):
        return
    minute = pandas.Timestamp(now).floor("min")
    is_open = bool(cal.is_open_on_minute(minute))
    upcoming = cal.next_open(minute).to_pydatetime()
    closed = cal.previous_close(minute).to_pydatetime()
    ctx.record(**{"next open": upcoming.strftime("%Y-%m-%d %H:%M UTC"),
                  "previous close": closed.strftime("%Y-%m-%d %H:%M UTC")})
    if spec.inside_hours and not is_open:
        raise CheckFailed(f"expected {spec.exchange} to be trading now; it is closed (next "
                          f"open {upcoming:%Y-%m-%d %H:%M} UTC)")
    if spec.outside_hours:
        if is_open:
            raise CheckFailed(f"expected {spec.exchange} to be closed now; it is trading "
                              f"(closes {cal.next_close(minute):%Y-%m-%d %H:%M} UTC)")
        margin = timedelta(seconds=spec.margin)
        if upcoming - now < margin:
            raise CheckFailed(f"expected at least {margin} before the {spec.exchange} open; it "
                              f"opens at {upcoming:%H:%M} UTC, in {upcoming - now}")
        if now - closed < margin:
            raise CheckFailed(f"expected at least {margin} after the {spec.exchange} close; it "
                              f"closed at {closed:%H:%M} UTC, {now - closed} ago")
