"""pytest-xdist: keep every ordered section on one worker, in order.

xdist's ``--dist loadgroup`` is silently ignored on pytest 9.2, so for the
default ``load`` (and ``worksteal``) distribution this plugin supplies a
scheduler of its own: each item of an ordered section is scheduled with the
rest of its section, as one unit, in collection order; every other item is a
unit of its own, so it spreads over the workers like ``--dist load``. The
controller learns which sections are ordered by reading the checklist files
(xdist's controller does not collect).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from ..errors import ChecklistError
from ..yamlsrc import load
from . import options


class OrderedSectionScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """``--dist load``, except that an ordered section is one unit of work."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self._rootdir = config.rootpath
        self._ordered: dict[str, frozenset[str]] = {}

    def _split_scope(self, nodeid: str) -> str:
        parts = nodeid.split("::")
        if (len(parts) >= 3 and parts[0].endswith((".yaml", ".yml"))
                and parts[1] in self._ordered_sections(parts[0])):
            return f"{parts[0]}::{parts[1]}"
        return nodeid

    def _ordered_sections(self, relative: str) -> frozenset[str]:
        found = self._ordered.get(relative)
        if found is None:
            found = self._ordered[relative] = ordered_sections(self._rootdir / relative)
        return found


def ordered_sections(path: Path) -> frozenset[str]:
    """Ids of the ordered sections of the checklist at ``path`` (none if unreadable:
    such a file does not collect either)."""
    try:
        data = load(path.read_text(encoding="utf-8"), str(path), full=False).data
    except (OSError, UnicodeDecodeError, ChecklistError):
        return frozenset()
    sections = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(sections, list):
        return frozenset()
    return frozenset(
        s["id"] for s in sections
        if isinstance(s, dict) and s.get("ordered") is True and isinstance(s.get("id"), str)
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(), "deploycheck-xdist")


class XdistHooks:
    """Registered only when pytest-xdist is active."""

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if options.layout(config).in_use and config.getvalue("dist") in ("load", "worksteal"):
            return OrderedSectionScheduling(config, log)
        return None
