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
from typing import TYPE_CHECKING, Any

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


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


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
    group.addoption(
        "--deploycheck-json", dest="deploycheck_json", metavar="PATH", default=None,
        help="write every item's outcome, evidence and signers as JSON to PATH",
    )
    group.addoption(
        "--deploycheck-markdown", dest="deploycheck_markdown", metavar="PATH", default=None,
        help="write the checklists filled in as Markdown to PATH (also appended to "
             "$GITHUB_STEP_SUMMARY when it is set)",
    )
    group.addoption(
        "--deploycheck-markdown-style", dest="deploycheck_markdown_style",
        choices=("table", "list"), default="table",
        help="Markdown shape: ☑/☐ tables with a Notes column (default) or - [x] lists",
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
        _register_reports(config)
    if config.pluginmanager.hasplugin("xdist"):
        from .distribute import XdistHooks

        config.pluginmanager.register(XdistHooks(uses_checklists), "deploycheck-xdist")


def _register_reports(config: pytest.Config) -> None:
    """The run's evidence, written where the reports are (never on an xdist worker)."""
    from .report.collector import RunLog

    files = checklist_files(config)
    log = RunLog(config, files)
    config.pluginmanager.register(log, "deploycheck-reports")
    if files and config.pluginmanager.hasplugin("html") and config.getoption("htmlpath", None):
        from .report.html import HtmlReport

        config.pluginmanager.register(HtmlReport(log), "deploycheck-html")


def _is_checklist(file_path: Path) -> bool:
    if file_path.suffix not in (".yaml", ".yml"):
        return False
    try:
        head = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return CHECKLIST_KEY.search(head) is not None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ChecklistFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    wanted = any(file_path.is_relative_to(p) for p in _paths(parent.config))
    if not (wanted or parent.session.isinitpath(file_path)) or not _is_checklist(file_path):
        return None
    from .collect import ChecklistFile

    return ChecklistFile.from_parent(parent, path=file_path)


def checklist_files(config: pytest.Config) -> list[Path]:
    """The checklist files this run's arguments lead to, as collection finds them: a
    file named on the command line, or YAML under the configured paths."""
    paths = _paths(config)
    found: set[Path] = set()
    for arg in config.args:
        target = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if target.is_file():
            if _is_checklist(target):
                found.add(target)
            continue
        for base in paths:  # only below the checklist paths: never a whole repository
            if base.is_relative_to(target):
                start = base
            elif target.is_relative_to(base):
                start = target
            else:
                continue
            found.update(f for f in [*start.rglob("*.yaml"), *start.rglob("*.yml")]
                         if _is_checklist(f))
    return sorted(found)


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
    from .report import junit

    state = _state(item.config)
    secrets = state.run_context.secrets
    record = item.record_of(report)
    if record is not None:
        record = record.redacted(secrets)
        report.deploycheck = record  # type: ignore[attr-defined]  # read by every report
        crash = getattr(report.longrepr, "reprcrash", None)
        if report.failed and crash is not None:
            crash.message = record.message  # the short summary: no "Failed: " prefix
        if report.when == "call" and record.duration:
            report.duration = record.duration  # the probe's own, not the wait for it
        if record.evidence:
            lines = [f"{k}: {v}" for k, v in record.evidence]
            report.sections.append(("evidence", "\n".join(lines)))
        if record.signers:
            lines = [junit.signer_text(s) for s in record.signers]
            report.sections.append(("signed", "\n".join(lines)))
        item.user_properties += junit.properties(record)  # JUnit reads the teardown's
    if item.model.ordered and report.failed:
        state.blocked_by.setdefault(item.section_id, item.model.id)
    if secrets:
        report.sections = [(t, secrets.redact(c)) for t, c in report.sections]
        report.user_properties = [(k, secrets.redact(str(v))) for k, v in report.user_properties]
        if report.longrepr is not None:
            text = str(report.longrepr)
            if secrets.redact(text) != text:
                report.longrepr = secrets.redact(text)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    """``AWAITING SIGN-OFF`` and ``WAIVED`` instead of FAILED and XFAIL (``-v``, ``-r``);
    the categories, and so the counts and the exit code, stay pytest's."""
    record = getattr(report, "deploycheck", None)
    if record is None or report.when != "call":
        return None
    if record.status == "awaiting" and report.failed:
        return "failed", "F", ("AWAITING SIGN-OFF", {"red": True})
    if record.status == "waived" and report.skipped:
        return "xfailed", "x", ("WAIVED", {"yellow": True})
    return None


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(
    config: pytest.Config, report: pytest.CollectReport | pytest.TestReport
) -> Generator[None, dict[str, Any] | None, dict[str, Any] | None]:
    """An item's record crosses from an xdist worker as plain lists and mappings."""
    data = yield
    record = getattr(report, "deploycheck", None)
    if data is not None and record is not None:
        data["deploycheck"] = record.to_wire()
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(
    config: pytest.Config, data: dict[str, Any]
) -> Generator[None, object, object]:
    report = yield
    wire = getattr(report, "deploycheck", None)
    if isinstance(wire, dict):
        from .report.record import ItemRecord

        report.deploycheck = ItemRecord.from_wire(wire)  # type: ignore[attr-defined]
    return report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    from .state import STATE

    state = session.config.stash.get(STATE, None)
    if state is not None:  # every process, xdist workers too: end the ssh connections
        state.close_hosts()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    collect = sys.modules.get(_COLLECT)
    if collect is not None:  # mask what ${env:…} reads from the first report on
        _state(session.config).learn_secrets(
            [i for i in session.items if isinstance(i, collect.ChecklistItem)])


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



