"""pytest-xdist: each worker runs a share of whole units (an ordered section, in order;
every item of one host), sent at once, so that it probes its share concurrently as a
single process does.

For the default ``load`` (and ``worksteal``) distribution this supplies a scheduler of
its own (xdist's ``--dist loadgroup`` is silently ignored on pytest 9.2): the shares
:func:`pytest_deploycheck.schedule.shares` decides, which every worker computes too.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import options
from .nodes import PLANNED, UNREAD

SHARED = ("load", "worksteal")  # the distributions the shares' scheduler replaces


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist") and options.layout(config).in_use:
        config.pluginmanager.register(XdistHooks(), "deploycheck-xdist")


def share(session: pytest.Session) -> list[pytest.Item] | None:
    """The items this xdist worker will be sent, in order (None: not a worker; [] when
    the worker is fed one unit at a time)."""
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is None:
        return None
    from ..schedule import worker_share

    return [session.items[i] for i in worker_share([i.nodeid for i in session.items],
                                                    workerinput, session.config.rootpath)]


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
    def pytest_configure_node(self, node: Any) -> None:  # the shares' scheduler: see share()
        node.workerinput["deploycheck_shares"] = node.config.getvalue("dist") in SHARED

    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") not in SHARED:
            return None
        from ..schedule import share_scheduling

        return share_scheduling(config.rootpath)(config, log)
