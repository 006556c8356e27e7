"""Gathers the run's record where the reports are written (never on an xdist worker):
the header at the start, every item's record as its report arrives; at the end it
writes the JSON and Markdown files and the terminal summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import current, options
from .nodes import PLANNED, UNREAD


def pytest_configure(config: pytest.Config) -> None:
    if config.option.collectonly or hasattr(config, "workerinput"):
        return
    log = RunLog(config, options.layout(config).files_named(config.args,
                                                            config.invocation_params.dir))
    config.pluginmanager.register(log, "deploycheck-reports")
    if log.files and config.pluginmanager.hasplugin("html") and config.getoption(
            "htmlpath", None):
        from .html import HtmlReport

        config.pluginmanager.register(HtmlReport(log.run), "deploycheck-html")


class RunLog:
    """Registered on the process that writes the reports."""

    def __init__(self, config: pytest.Config, files: list[Path]) -> None:
        from ..record import RunRecord

        self.config = config
        self.files = files
        self.run = RunRecord()
        self.finished_tests = 0
        self._header_done = False

    def fill_header(self) -> None:
        if not self._header_done:
            self._header_done = True
            from ..run import fill_header

            fill_header(self.run, self.config.rootpath, self.files,
                        lambda: current.settings(self.config))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from ..record import now

        self.run.started = now()
        if self.files:
            self.fill_header()

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        nodeid = report.nodeid
        if report.failed and nodeid.endswith((".yaml", ".yml")):
            from ..errors import first_mistake  # once, however many xdist workers met it

            self.run.broken.setdefault(nodeid, first_mistake(str(report.longrepr)))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.finished_tests += 1
        record = getattr(report, "deploycheck", None)
        if record is not None:
            self.run.items.append(record)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from ..gates import fails, selection_words
        from ..record import now

        run, config = self.run, self.config
        run.finished, run.exit_status = now(), int(exitstatus)
        run.previous = config.stash.get(options.PREVIOUS, None)
        if self.files or run.items:
            self.fill_header()
            distributed = config.pluginmanager.hasplugin("dsession")
            expected = session.testscollected if distributed else len(session.items)
            named = config.args if config.args_source == pytest.Config.ArgsSource.ARGS else []
            run.close(stopped=exitstatus == pytest.ExitCode.INTERRUPTED
                      or self.finished_tests < expected, planned=config.stash.get(PLANNED, {}),
                      unread=config.stash.get(UNREAD, {}),
                      selection=selection_words(config.option, named))
            if exitstatus == 0 and fails(run, complete=config.getoption(
                    "deploycheck_require_complete")):
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                run.exit_status = int(session.exitstatus)
        from ..report import files

        files.write(run, self.config.getoption)
        if "unsealed" in run.evidence and session.exitstatus == 0:  # evidence asked for, none
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.run.items and not self.run.broken:
            return
        from ..report import terminal

        self.fill_header()
        terminalreporter.write_sep("=", terminal.title(self.run))
        for text, markup in terminal.summary_lines(self.run, self.config.get_verbosity()):
            terminalreporter.write_line(text, **markup)

