"""Units of work for parallel runs: which items must run together, in order, in one
process. An ordered section is one unit (its steps in order, on one worker), and so are
the items of one host (one connection per host); every other item is a unit of its own.
Read from the node ids and the checklist files themselves, since a parallel run's
controller does not collect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import inputs
from .errors import ChecklistError
from .yamlsrc import load


def ordered_sections(path: Path) -> frozenset[str]:
    """Ids of the ordered sections of the checklist at ``path`` (none if unreadable:
    such a file does not collect either)."""
    try:
        data = load(inputs.read_text(path), str(path), full=False).data
    except (inputs.Unreadable, ChecklistError):
        return frozenset()
    sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(sections, list):
        return frozenset()
    return frozenset(
        s["id"] for s in sections
        if isinstance(s, dict) and s.get("ordered") is True and isinstance(s.get("id"), str)
    )


class Units:
    """The unit of work of each node id of a project rooted at ``rootdir``."""

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir
        self._ordered: dict[str, frozenset[str]] = {}

    def unit_of(self, nodeid: str) -> str:
        """``file::section`` for a step of an ordered section, else the node id itself."""
        parts = nodeid.split("::")
        if len(parts) >= 3 and parts[0].endswith((".yaml", ".yml")):
            ordered = self._ordered.get(parts[0])
            if ordered is None:
                ordered = self._ordered[parts[0]] = ordered_sections(self.rootdir / parts[0])
            if parts[1] in ordered:
                return f"{parts[0]}::{parts[1]}"
        return nodeid


def host_of(nodeid: str) -> str | None:
    """The host a checklist item runs on, from its node id (``…::disk[web-1]`` →
    ``web-1``); None for an item that runs once, or anything not a checklist's."""
    path, _, rest = nodeid.partition("::")
    if not path.endswith((".yaml", ".yml")) or not rest.endswith("]"):
        return None
    name, bracket, host = rest.rpartition("::")[2][:-1].partition("[")
    return host if bracket and name else None


def shares(nodeids: Sequence[str], workers: int, units: Units) -> list[list[int]]:
    """Which of ``nodeids`` (by index) each of ``workers`` processes runs: whole units —
    an ordered section, and every item of one host (one connection per host) — balanced
    by their number of items, each share in collection order. The same answer in every
    process that asks, so an xdist worker knows its share before it is sent."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while (up := parent.setdefault(key, key)) != key:
            parent[key] = key = parent.setdefault(up, up)
        return key

    keys = []
    for nodeid in nodeids:
        key = root(units.unit_of(nodeid))
        host = host_of(nodeid)
        if host is not None:
            other = root(f"\0host {host}")
            if other != key:
                parent[other] = key
        keys.append(key)
    members: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        members.setdefault(root(key), []).append(index)
    found: list[list[int]] = [[] for _ in range(max(1, workers))]
    for unit in sorted(members.values(), key=len, reverse=True):  # stable: ties in order
        min(found, key=len).extend(unit)
    return [sorted(share) for share in found]


def _index(workerinput: Mapping[str, Any]) -> int:
    """Which share is an xdist worker's: ``gw1`` → 1 (-1 for a worker named otherwise)."""
    number = str(workerinput["workerid"]).removeprefix("gw")
    return int(number) if number.isdigit() else -1


def worker_share(nodeids: Sequence[str], workerinput: Mapping[str, Any],
                 rootdir: Path) -> list[int]:
    """The indices of ``nodeids`` the xdist worker ``workerinput`` describes is sent
    (none when the controller feeds it one unit at a time: another ``--dist``)."""
    if not workerinput.get("deploycheck_shares"):
        return []
    return _mine(shares(nodeids, int(workerinput["workercount"]), Units(rootdir)),
                 workerinput)


def _mine(found: list[list[int]], workerinput: Mapping[str, Any]) -> list[int]:
    """The share of the worker ``workerinput`` describes, among ``found``."""
    index = _index(workerinput)
    return found[index] if 0 <= index < len(found) else []


def share_scheduling(rootdir: Path) -> type:
    """pytest-xdist's scheduler for the shares: each worker is sent its whole share at
    once (what it computes itself, :func:`worker_share`); what a worker that died left
    undone goes, as one unit, to the worker that replaces it."""
    from xdist.scheduler import LoadScopeScheduling

    scopes: dict[str, str] = {}  # node id → the share (the worker) it is in

    class ShareScheduling(LoadScopeScheduling):  # type: ignore[misc]
        collection: list[str] | None

        def _split_scope(self, nodeid: str) -> str:
            return scopes.get(nodeid, nodeid)

        def schedule(self) -> None:
            if self.collection is not None or not self._check_nodes_have_same_collection():
                super().schedule()  # a worker replaced, or collections that differ
                return
            collection = self.collection = list(next(iter(
                self.registered_collections.values())))
            found = shares(collection, int(self.nodes[0].workerinput["workercount"]),
                           Units(rootdir))  # once: what each worker computes for itself
            for node in self.nodes:
                name = str(node.workerinput["workerid"])
                mine = _mine(found, node.workerinput) if node.workerinput.get(
                    "deploycheck_shares") else []
                if mine:
                    scopes.update((collection[i], name) for i in mine)
                    self.assigned_work[node] = {name: {collection[i]: False for i in mine}}
                    node.send_runtest_some(mine)
                node.shutdown()

    return ShareScheduling
