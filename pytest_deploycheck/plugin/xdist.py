"""pytest-xdist: keep every ordered section on one worker, in order.

xdist's ``--dist loadgroup`` is silently ignored on pytest 9.2, so for the default
``load`` (and ``worksteal``) distribution this supplies a scheduler of its own: the units
of work :mod:`pytest_deploycheck.schedule` decides, in collection order, spread over the
workers like ``--dist load``.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import options
from .nodes import PLANNED, UNREAD


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist") and options.layout(config).in_use:
        config.pluginmanager.register(XdistHooks(), "deploycheck-xdist")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # a worker: what the gates wait for, to the controller
        from ..record import to_wire

        output["deploycheck_planned"] = to_wire(session.config.stash.get(PLANNED, {}))
        output["deploycheck_unread"] = session.config.stash.get(UNREAD, {})


class XdistHooks:
    """Registered only when pytest-xdist is active."""

    @pytest.hookimpl
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        log = node.config.pluginmanager.get_plugin("deploycheck-reports")
        output = getattr(node, "workeroutput", {})
        if log is not None:
            from ..record import from_wire

            log.run.expected.update(from_wire(output.get("deploycheck_planned", {})))
            for path, mistake in output.get("deploycheck_unread", {}).items():
                log.run.broken.setdefault(path, mistake)

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") not in ("load", "worksteal"):
            return None
        from xdist.scheduler import LoadScopeScheduling

        from ..schedule import Units

        class UnitScheduling(LoadScopeScheduling):  # type: ignore[misc]
            """``--dist load``, except that an ordered section is one unit of work."""

            units = Units(config.rootpath)

            def _split_scope(self, nodeid: str) -> str:
                return self.units.unit_of(nodeid)

        return UnitScheduling(config, log)
