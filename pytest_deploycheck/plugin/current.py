"""The current pytest process's project, settings and :class:`~pytest_deploycheck.run.Run`
(each xdist worker has its own), made on first use so that runs without checklists pay
nothing; the phase markers and the header line that come from them."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

import pytest

from . import options

if TYPE_CHECKING:
    from ..errors import ChecklistError
    from ..project import Project, Settings
    from ..run import Run

DEFAULT_PHASES = ("predeploy", "deploy", "postdeploy", "rollback")
_PHASE_HELP = {
    "predeploy": "pre-deployment gate: what must hold before deploying",
    "deploy": "deployment: checks during the deployment itself",
    "postdeploy": "post-deployment validation",
    "rollback": "rollback runbook",
}
PROJECT: pytest.StashKey[Project | ChecklistError] = pytest.StashKey()
SETTINGS: pytest.StashKey[Settings | ChecklistError] = pytest.StashKey()
PREPARED: pytest.StashKey[Settings] = pytest.StashKey()
RUN: pytest.StashKey[Run] = pytest.StashKey()


def project(config: pytest.Config) -> Project:
    """The project config (ChecklistError for its mistakes), read once."""
    found = config.stash.get(PROJECT, None)
    if found is None:
        from ..errors import ChecklistError
        from ..project import load_project

        where = options.layout(config)
        try:
            found = load_project(where.config, where.shown(where.config),
                                 where.rootdir.name)
        except ChecklistError as exc:
            found = exc
        config.stash[PROJECT] = found
    if isinstance(found, Exception):
        raise found
    return found


def settings(config: pytest.Config, *, prepared: bool = False) -> Settings:
    """The run's settings (ChecklistError for the config's mistakes); ``prepared``: with
    the variables the environment hooks return, calling them the first time."""
    found = config.stash.get(SETTINGS, None)
    if found is None:
        from ..errors import ChecklistError
        from ..project import Requested, settings_for

        want = Requested.first_set(options.requested(config), os.environ,
                                   options.layout(config).ini)
        try:
            found = settings_for(project(config), want, config.rootpath)
        except ChecklistError as exc:
            found = exc
        config.stash[SETTINGS] = found
    if isinstance(found, Exception):
        raise found
    if not prepared:
        return found
    ready = config.stash.get(PREPARED, None)
    if ready is None:
        from ..variables import hook_variables

        results = config.hook.pytest_deploycheck_environment(config=config,
                                                             environment=found.environment)
        variables = {}
        for returned in reversed(results):  # pluggy calls the last registered first
            variables.update(hook_variables(returned, found.project.path or "the config"))
        ready = config.stash[PREPARED] = found.with_variables(variables)
    return ready


def run_of(config: pytest.Config) -> Run:
    """The run of this process, made when the first item needs it."""
    found = config.stash.get(RUN, None)
    if found is None:
        from ..run import Run

        found = config.stash[RUN] = Run.start(settings(config, prepared=True),
                                              config.rootpath,
                                              concurrency=options.concurrency(config))
    return found


def pytest_configure(config: pytest.Config) -> None:
    phases: tuple[str, ...] = DEFAULT_PHASES
    if options.layout(config).in_use:
        from ..errors import ChecklistError

        options.concurrency(config)  # a usage error, before anything runs
        with contextlib.suppress(ChecklistError):  # each checklist's collection error
            phases = project(config).phases
    for phase in phases:
        help_text = _PHASE_HELP.get(phase, "deployment phase")
        config.addinivalue_line("markers", f"{phase}: deploycheck phase — {help_text}")
    config.addinivalue_line("markers", "automated: checklist item checked by a probe")
    config.addinivalue_line("markers", "manual: checklist item that needs a signed sign-off")


def pytest_report_header(config: pytest.Config) -> str | None:
    if not options.layout(config).in_use:
        return None
    from ..errors import ChecklistError

    try:
        found = settings(config)
    except ChecklistError:
        return None  # reported as a collection error of each checklist
    return (f"deploycheck: project {found.project.name}, environment {found.environment}, "
            f"release {found.release or '(not set)'}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    found = session.config.stash.get(RUN, None)
    if found is not None:  # every process, xdist workers too: end the ssh connections
        found.close()
