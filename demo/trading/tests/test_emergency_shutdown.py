"""Emergency shutdown: the kill switch cancels open orders and refuses new ones."""

from ..core.risk import KillSwitch


def test_engaging_cancels_every_open_order() -> None:
    switch = KillSwitch()
    assert switch.submit("o-1")
    assert switch.submit("o-2")
    assert switch.engage() == ["o-1", "o-2"]
    assert switch.open_orders == set()


def test_no_order_is_accepted_once_engaged() -> None:
    switch = KillSwitch()
    switch.engage()
    assert not switch.submit("o-3")
