"""The pytest11 entry point: options, markers, collection of checklist files.

Thin on purpose: the work happens in plain modules (loader, runner, config).
Light on purpose too: the heavy modules (validation, probes) are imported only
once a run meets a checklist, so pytest runs of other test suites pay nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .model import (
    CHECKLIST_KEY,
    COMMIT_ENV,
    DEFAULT_CONCURRENCY,
    DEFAULT_PHASES,
    ENVIRONMENT_ENV,
    RELEASE_ENV,
)

if TYPE_CHECKING:
    from .collect import ChecklistFile
    from .state import State

_COLLECT = "pytest_deploycheck.collect"

_PHASE_HELP = {
    "predeploy": "pre-deployment gate: what must hold before deploying",
    "deploy": "deployment: checks during the deployment itself",
    "postdeploy": "post-deployment validation",
    "rollback": "rollback runbook",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deploycheck", "deployment checklists (pytest-deploycheck)")
    group.addoption(
        "--deploycheck-env", dest="deploycheck_env", metavar="NAME", default=None,
        help="environment to check, as named in the project config "
             f"(also ${ENVIRONMENT_ENV} or ini deploycheck_env)",
    )
    group.addoption(
        "--deploycheck-release", dest="deploycheck_release", metavar="VERSION", default=None,
        help=f"release being deployed, for ${{release}} (also ${RELEASE_ENV} "
             "or ini deploycheck_release)",
    )
    group.addoption(
        "--deploycheck-commit", dest="deploycheck_commit", metavar="SHA", default=None,
        help=f"the deployed commit or artifact digest sign-offs must name (also ${COMMIT_ENV})",
    )
    group.addoption(
        "--deploycheck-attestations", dest="deploycheck_attestations", metavar="PATH",
        default=None,
        help="signed attestation file, or a directory of them (default: 'attestations' in "
             "the project config, checks/attestations)",
    )
    group.addoption(
        "--deploycheck-concurrency", dest="deploycheck_concurrency", metavar="N", default=None,
        type=_concurrency,
        help="probe up to N read-only checks at once (default "
             f"{DEFAULT_CONCURRENCY}, also ini deploycheck_concurrency); 1 turns it off",
    )
    parser.addini("deploycheck_concurrency", type="string", default=str(DEFAULT_CONCURRENCY),
                  help="probe up to N read-only checks at once; 1 turns it off")
    parser.addini("deploycheck_paths", type="args", default=["checks"],
                  help="where checklists live, relative to the root dir (default: checks)")
    parser.addini("deploycheck_config", type="string", default="checks/deploycheck.yaml",
                  help="the project config (default: checks/deploycheck.yaml)")
    parser.addini("deploycheck_env", type="string", default="",
                  help="default environment to check")
    parser.addini("deploycheck_release", type="string", default="",
                  help="default release")


def _concurrency(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def _paths(config: pytest.Config) -> list[Path]:
    return [config.rootpath / p for p in config.getini("deploycheck_paths")]


def _state(config: pytest.Config) -> State:
    from . import state

    return state.get(config)


def pytest_configure(config: pytest.Config) -> None:
    phases: tuple[str, ...] = DEFAULT_PHASES
    uses_checklists = any(p.is_dir() for p in _paths(config))
    if uses_checklists:
        state = _state(config)
        if state.project is not None:
            phases = state.project.phases
    for phase in phases:
        help_text = _PHASE_HELP.get(phase, "deployment phase")
        config.addinivalue_line("markers", f"{phase}: deploycheck phase — {help_text}")
    config.addinivalue_line("markers", "automated: checklist item checked by a probe")
    config.addinivalue_line("markers", "manual: checklist item that needs a signed sign-off")
    if not config.option.collectonly and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ConcurrentProbing(), "deploycheck-concurrency")
    if config.pluginmanager.hasplugin("xdist"):
        from .distribute import XdistHooks

        config.pluginmanager.register(XdistHooks(uses_checklists), "deploycheck-xdist")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ChecklistFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    wanted = any(file_path.is_relative_to(p) for p in _paths(parent.config))
    if not (wanted or parent.session.isinitpath(file_path)):
        return None
    try:
        head = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if CHECKLIST_KEY.search(head) is None:
        return None
    from .collect import ChecklistFile

    return ChecklistFile.from_parent(parent, path=file_path)


def pytest_report_header(config: pytest.Config) -> str | None:
    if not any(p.is_dir() for p in _paths(config)):
        return None
    from .errors import ChecklistError

    state = _state(config)
    if state.project is None:
        return None
    try:
        settings = state.settings()
    except ChecklistError:
        return None  # reported as a collection error of each checklist
    release = settings.release or "(not set)"
    return (f"deploycheck: project {settings.project.name}, environment "
            f"{settings.environment}, release {release}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    collect = sys.modules.get(_COLLECT)  # not imported: no checklist in this run
    if collect is None or not isinstance(item, collect.ChecklistItem):
        return report
    from .state import RESULT

    state = _state(item.config)
    model = item.model
    result = item.stash.get(RESULT, None) if report.when == "call" else None
    if result is not None:
        del item.stash[RESULT]  # the report keeps what is needed
        crash = getattr(report.longrepr, "reprcrash", None)
        if report.failed and crash is not None:
            crash.message = result.message  # the short summary: no "Failed: " prefix
        if result.evidence:
            lines = [f"{k}: {v}" for k, v in result.evidence.items()]
            report.sections.append(("evidence", "\n".join(lines)))
    if model.ordered and report.failed:
        state.blocked_by.setdefault(item.section_id, model.id)
    secrets = state.run_context.secrets
    if secrets:
        report.sections = [(t, secrets.redact(c)) for t, c in report.sections]
        report.user_properties = [(k, secrets.redact(str(v))) for k, v in report.user_properties]
        if report.longrepr is not None:
            text = str(report.longrepr)
            if secrets.redact(text) != text:
                report.longrepr = secrets.redact(text)
    return report



class ConcurrentProbing:
    """Probes read-only checks concurrently, ahead of their turn to report.

    Items still run and report one by one, in order, so ``-m``, ``-k``, ``-x``
    and every reporter behave as in a serial run.
    """

    def __init__(self) -> None:
        self.session: pytest.Session | None = None
        self.state: State | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        collect = sys.modules.get(_COLLECT)
        if collect is not None:
            self.session = session
            self.state = _state(session.config)
            self.state.prefetch([i for i in session.items if isinstance(i, collect.ChecklistItem)])
        try:
            return (yield)
        finally:
            if self.state is not None:
                self.state.close_pool()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # after pytest's own maxfail bookkeeping: once it decides to stop, launch no more
        session = self.session
        if session is not None and self.state is not None and (
                session.shouldfail or session.shouldstop):
            self.state.stop_probing()



