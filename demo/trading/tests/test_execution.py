"""Execution algorithms: TWAP and VWAP slices add up to the parent order."""

import pytest

from ..core.orders import OrderError, twap, vwap


def test_twap_splits_evenly_and_keeps_every_share() -> None:
    assert twap(10, 3) == [4, 3, 3]


def test_vwap_follows_the_volume_profile() -> None:
    children = vwap(1000, [1, 2, 1])
    assert children == [250, 500, 250]
    assert sum(vwap(1001, [3, 3, 1])) == 1001


@pytest.mark.parametrize(("algo", "arg"), [(twap, 0), (vwap, [])])
def test_degenerate_schedules_are_refused(algo: object, arg: object) -> None:
    with pytest.raises(OrderError):
        algo(100, arg)  # type: ignore[operator]
