"""Running the items: their probes start ahead of their turn (:class:`Probing`); under
``deploycheck watch`` (:func:`pytest_deploycheck.plugin.watch`) they run in rounds first,
and pytest reports each item's verdict over the watch as its outcome."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from . import WATCH, current
from .nodes import ChecklistItem


def pytest_configure(config: pytest.Config) -> None:
    if not config.option.collectonly:
        config.pluginmanager.register(Probing(), "deploycheck-probing")


class Probing:
    """Probes read-only checks concurrently, ahead of their turn to report (an xdist
    worker, those of its share: :func:`.xdist.share`). Items still run and report one by
    one, in order, so ``-m``, ``-k``, ``-x`` and every reporter behave as usual."""

    def __init__(self) -> None:
        self.session: pytest.Session | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        from .xdist import share  # not at import: pytest registers it as a plugin first

        mine = share(session)
        cases = [i.case for i in (session.items if mine is None else mine)
                 if isinstance(i, ChecklistItem) and not i.get_closest_marker("skip")]
        if cases:
            self.session, run, found = session, current.run_of(session.config), session.config
            if WATCH in found.stash and not session.testsfailed:  # collection errors first
                from ..report.terminal import line_writer
                from ..watch import watch

                watch(run, cases, found.stash[WATCH], line_writer(found.pluginmanager))
            run.plan(cases)
        return (yield)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # after pytest's own maxfail bookkeeping: once it decides to stop, launch no more
        session = self.session
        if session is not None and (session.shouldfail or session.shouldstop):
            current.run_of(session.config).prober.stop()
