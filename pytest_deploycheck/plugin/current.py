"""The current pytest process's project, settings and :class:`~pytest_deploycheck.run.Run`
(each xdist worker has its own), made on first use so that runs without checklists pay
nothing; the phase markers and the header line that come from them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pytest

from ..errors import ChecklistError
from ..model import DEFAULT_PHASES, markers
from . import options

if TYPE_CHECKING:
    from ..project import Project, Settings
    from ..run import Run

T = TypeVar("T")
PROJECT: pytest.StashKey[Project | ChecklistError] = pytest.StashKey()
SETTINGS: pytest.StashKey[Settings | ChecklistError] = pytest.StashKey()
PREPARED: pytest.StashKey[Settings] = pytest.StashKey()
RUN: pytest.StashKey[Run] = pytest.StashKey()


def _once(config: pytest.Config, key: pytest.StashKey[T | ChecklistError],
          make: Callable[[], T]) -> T:
    """``make()``'s value (or its ChecklistError, raised again), made once a run."""
    if key not in config.stash:
        try:
            config.stash[key] = make()
        except ChecklistError as exc:
            config.stash[key] = exc
    found = config.stash[key]
    if isinstance(found, Exception):
        raise found
    return found


def project(config: pytest.Config) -> Project:
    """The project config (ChecklistError for its mistakes), read once."""
    from ..project import load_project

    where = options.layout(config)
    return _once(config, PROJECT, lambda: load_project(
        where.config, where.shown(where.config), where.rootdir.name))


def settings(config: pytest.Config, *, prepared: bool = False) -> Settings:
    """The run's settings (ChecklistError for the config's mistakes); ``prepared``: with
    the variables the environment hooks return, calling them the first time."""
    ready = config.stash.get(PREPARED, None)
    if prepared and ready is not None:
        return ready  # every item asks: the quick way first
    found = config.stash.get(SETTINGS, None)
    if found is None or isinstance(found, Exception):
        from ..project import Requested, settings_for

        found = _once(config, SETTINGS, lambda: settings_for(project(config), Requested.asked(
            config.getoption, os.environ, options.layout(config).ini), config.rootpath))
    if not prepared:
        return found
    from ..variables import hook_variables

    results = config.hook.pytest_deploycheck_environment(config=config,
                                                         environment=found.environment)
    ready = config.stash[PREPARED] = found.with_variables(
        hook_variables(results, found.project.path or "the config"))
    return ready


def run_of(config: pytest.Config) -> Run:
    """The run of this process, made when the first item needs it."""
    found = config.stash.get(RUN, None)
    if found is None:
        from ..report.terminal import HoldProgress
        from ..run import Run

        found = config.stash[RUN] = Run.start(settings(config, prepared=True),
                                              config.rootpath,
                                              concurrency=options.concurrency(config))
        found.prober.progress = HoldProgress(config.pluginmanager)
    return found


def pytest_configure(config: pytest.Config) -> None:
    # before pytest's own plugins (called after ours) add theirs: cleanups run last-added first
    config.add_cleanup(lambda: config.stash[RUN].thaw() if RUN in config.stash else None)
    phases: tuple[str, ...] = DEFAULT_PHASES
    if options.layout(config).in_use:
        options.check(config)  # usage errors, before anything runs
        with contextlib.suppress(ChecklistError):  # each checklist's collection error
            phases = project(config).phases
    for line in markers(phases):
        config.addinivalue_line("markers", line)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    where = options.layout(config)
    if not where.in_use:
        return None
    from ..report.terminal import header_lines

    return header_lines(where, lambda: settings(config))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    found = session.config.stash.get(RUN, None)
    if found is not None:  # every process, xdist workers too: end the ssh connections
        found.close()
