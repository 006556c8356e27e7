"""Gathers the run's evidence where the reports are written (never on an xdist
worker): the header at the start, every item's record as its report arrives,
and, at the end, writes the JSON and Markdown files and the terminal summary."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .record import ItemRecord, RunRecord, file_digest

if TYPE_CHECKING:
    from ..state import State

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RunLog:
    """Registered by the plugin on the process that writes the reports."""

    def __init__(self, config: pytest.Config, checklist_files: list[Path]) -> None:
        self.config = config
        self.checklist_files = checklist_files
        self.run = RunRecord()
        self.finished_tests = 0
        self._header_done = False

    @property
    def active(self) -> bool:
        """Whether this run met checklists (otherwise every report stays silent)."""
        return bool(self.checklist_files or self.run.items)

    def _state(self) -> State:
        from .. import state

        return state.get(self.config)

    def fill_header(self) -> None:
        """Project, release, environment, commit and the digests of the files that
        decide the outcome: the checklists, allowed_signers and the attestations."""
        if self._header_done:
            return
        self._header_done = True
        from ..attest import store
        from ..errors import ChecklistError

        run = self.run
        root = self.config.rootpath
        run.checklists = {_shown(p, root): file_digest(p) for p in self.checklist_files}
        state = self._state()
        try:
            settings = state.settings()
        except ChecklistError:
            return  # the config's mistakes are the run's collection errors
        run.project, run.release = settings.project.name, settings.release
        run.contacts = list(settings.project.contacts)
        run.environment, run.commit = settings.environment, state.commit
        signers = root / settings.project.signers
        if signers.is_file():
            run.signers_file = {_shown(signers, root): file_digest(signers)}
        where = state.attestations_option() or root / settings.project.attestations
        run.attestations = {_shown(p, root): file_digest(p)
                            for p in store.attestation_files(where)}

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run.started = now_text()
        if self.checklist_files:
            self.fill_header()

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        nodeid = report.nodeid
        if report.failed and nodeid.endswith((".yaml", ".yml")) and nodeid not in self.run.broken:
            self.run.broken.append(nodeid)  # once, however many xdist workers met it

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.finished_tests += 1
        record = getattr(report, "deploycheck", None)
        if isinstance(record, ItemRecord):
            self.run.items.append(record)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run = self.run
        run.finished = now_text()
        run.exit_status = int(exitstatus)
        if self.active:
            self.fill_header()
            distributed = self.config.pluginmanager.hasplugin("dsession")
            expected = session.testscollected if distributed else len(session.items)
            run.stopped_early = (exitstatus == pytest.ExitCode.INTERRUPTED
                                 or self.finished_tests < expected)
        self.write_files()  # what was asked for, even when no checklist ran

    def write_files(self) -> None:
        from . import json as json_report
        from . import markdown

        option = self.config.getoption
        if option("deploycheck_json"):
            _write(option("deploycheck_json"), json_report.render(self.run))
        markdown_path = option("deploycheck_markdown")
        step_summary = os.environ.get(STEP_SUMMARY_ENV)
        if markdown_path or (step_summary and self.run.items):
            text = markdown.render(self.run, style=option("deploycheck_markdown_style"))
            if markdown_path:
                _write(markdown_path, text)
            if step_summary and self.run.items:
                with open(step_summary, "a", encoding="utf-8") as out:
                    out.write(text + "\n")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.run.items and not self.run.broken:
            return
        from . import terminal

        self.fill_header()
        terminal.write_summary(terminalreporter, self.run,
                               self.config.get_verbosity())


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _write(where: str, text: str) -> None:
    path = Path(os.path.expandvars(where)).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
