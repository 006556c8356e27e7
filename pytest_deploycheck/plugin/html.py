"""pytest-html's hooks: the run's title, header facts, columns, per-item details, the
checklist view above the table (:mod:`~pytest_deploycheck.report.view`), and the written
page in the report's words (:mod:`~pytest_deploycheck.report.page`)."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..report import html

if TYPE_CHECKING:
    from ..record import RunRecord


class HtmlReport:
    """Registered only when pytest-html writes a report, on the process that writes it."""

    def __init__(self, run: RunRecord) -> None:
        self.run = run

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # after the run log filled the header; before pytest-html reads the table (trylast)
        from pytest_metadata.plugin import metadata_key

        session.config.stash[metadata_key].update(html.metadata(self.run))

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = html.title(self.run)

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[1:1] = html.HEADER

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        cells[1:1] = html.row_cells(getattr(report, "deploycheck", None))

    @pytest.hookimpl(tryfirst=True)  # before pytest-html reads the extras
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "deploycheck", None)
        if record is not None:
            from pytest_html import extras

            report.extras = [  # type: ignore[attr-defined]
                *getattr(report, "extras", []), *html.extras(record, extras)]

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        if getattr(report, "deploycheck", None) is not None:
            data[:] = html.log_box(report.sections)

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str],
                                    postfix: list[str], session: pytest.Session) -> None:
        from ..report import view

        prefix.append(view.render(self.run))

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        yield  # pytest-html has written its page: now in the report's words
        from ..report import page

        config = session.config  # pytest-html's default order, by result, becomes ours
        missed = page.rewrite(Path(os.path.expandvars(config.option.htmlpath)).expanduser(),
                              self.run, checklist_order=config.getini("initial_sort") == "result")
        if missed:
            config.get_terminal_writer().line(f"deploycheck: {missed}", yellow=True)
