"""Units of work for parallel runs: which items must run together, in order, in one
process. An ordered section is one unit (its steps in order, on one worker); every other
item is a unit of its own. Read from the checklist files themselves, since a parallel
run's controller does not collect."""

from __future__ import annotations

from pathlib import Path

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
