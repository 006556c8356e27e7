"""Spreading a fleet: xdist shares keep a host's items (and an ordered section) on one
worker; a process probes hosts a block at a time; at most so many connections are open,
the least recently used idle one closing for a host that needs one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_deploycheck.hosts.connections import Slots
from pytest_deploycheck.runner import probe_order
from pytest_deploycheck.schedule import Units, host_of, shares, worker_share


def fleet(hosts: int, items: str = "abc") -> list[str]:
    return [f"checks/app.yaml::s::{i}[web-{h}]" for i in items for h in range(1, hosts + 1)]


def test_the_host_is_read_from_a_checklist_items_node_id() -> None:
    assert host_of("checks/app.yaml::s::disk[web-1:2222]") == "web-1:2222"
    assert host_of("checks/app.yaml::s::disk") is None
    assert host_of("tests/test_x.py::test_y[web-1]") is None


def test_every_item_of_a_host_lands_in_one_share_and_the_shares_balance(tmp_path: Path) -> None:
    nodeids = [*fleet(7), "checks/app.yaml::s::once"]
    found = shares(nodeids, 2, Units(tmp_path))
    assert sorted(i for share in found for i in share) == list(range(len(nodeids)))
    for host in range(1, 8):
        where = {n for n, share in enumerate(found) for i in share
                 if nodeids[i].endswith(f"[web-{host}]")}
        assert len(where) == 1, f"web-{host} is split over {where}"
    assert sorted(len(share) for share in found) == [10, 12]
    assert all(share == sorted(share) for share in found)  # collection order
    assert shares(nodeids, 2, Units(tmp_path)) == found  # every worker computes the same


def test_an_ordered_section_and_its_hosts_stay_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "app.yaml").write_text(
        "checklist: app\nsections:\n  - id: steps\n    ordered: true\n")
    nodeids = [*(f"checks/app.yaml::steps::{i}[web-{h}]" for i in "ab" for h in (1, 2)),
               *(f"checks/app.yaml::s::x[web-{h}]" for h in (1, 2, 3))]
    found = shares(nodeids, 2, Units(tmp_path))
    assert found == [[0, 1, 2, 3, 4, 5], [6]]


def test_a_worker_knows_its_share_only_from_the_shares_scheduler(tmp_path: Path) -> None:
    nodeids = fleet(4)
    mine = {"workerid": "gw1", "workercount": 2, "deploycheck_shares": True}
    assert worker_share(nodeids, mine, tmp_path) == shares(nodeids, 2, Units(tmp_path))[1]
    assert worker_share(nodeids, {**mine, "deploycheck_shares": False}, tmp_path) == []
    assert worker_share(nodeids, {**mine, "workerid": "gw7"}, tmp_path) == []  # a newcomer


def test_hosts_are_probed_a_block_at_a_time_and_others_keep_their_place() -> None:
    hosts: list[str | None] = [f"h{n}" for n in range(1, 5)]
    hosts = hosts * 2  # item a, then b
    hosts.insert(4, None)  # an item on no host between them
    order = probe_order(hosts, 2)
    # the item on no host comes after the blocks of hosts that started before it
    assert [hosts[n] for n in order] == ["h1", "h2", "h1", "h2", "h3", "h4", "h3", "h4", None]
    assert probe_order(hosts, 100) == [0, 1, 2, 3, 5, 6, 7, 8, 4]  # one block: all hosts


class Connection:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log, self.busy = name, log, False

    def try_close(self) -> Callable[[], None] | None:
        return None if self.busy else lambda: self.log.append(f"closed {self.name}")


def test_a_full_set_of_slots_closes_the_least_recently_used_idle_connection() -> None:
    log: list[str] = []
    slots = Slots(2)
    a, b, c = (Connection(n, log) for n in "abc")
    assert slots.take(a) < 0.01
    assert slots.take(b) < 0.01
    slots.used(a)  # b is now the least recently used
    slots.take(c)
    assert log == ["closed b"]


def test_when_every_connection_is_busy_a_host_waits_and_says_how_long() -> None:
    log: list[str] = []
    slots = Slots(1)
    a, b = Connection("a", log), Connection("b", log)
    a.busy = True
    slots.take(a)

    def done() -> None:
        time.sleep(0.3)
        a.busy = False
        slots.used(a)

    threading.Thread(target=done).start()
    waited = slots.take(b)
    assert 0.25 <= waited < 2
    assert log == ["closed a"]


def test_a_stopping_run_stops_waiting_for_a_connection() -> None:
    slots, stopping = Slots(1), threading.Event()
    busy = Connection("a", [])
    busy.busy = True
    slots.take(busy)
    stopping.set()
    with pytest.raises(RuntimeError, match="stopping"):
        slots.take(Connection("b", []), stopping)
