"""An item's reports: the record attached (and carried across xdist as plain data), its
evidence and signers as sections and JUnit properties, pytest's own text redacted (log
records too, on the handlers that print or write them), and
``AWAITING SIGN-OFF`` / ``INVALID SIGN-OFF`` / ``WAIVED`` where pytest would say FAILED /
XFAIL."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from . import current, options
from .nodes import RECORD, ChecklistItem

if TYPE_CHECKING:
    from ..record import ItemRecord


def _record_of(item: ChecklistItem, report: pytest.TestReport) -> ItemRecord | None:
    """The item's record if ``report`` decides its outcome (the call, or a setup that
    skipped or failed), else None."""
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        return None
    made: ItemRecord | None = item.stash.get(RECORD, None)
    if made is not None:
        del item.stash[RECORD]
        return made
    run = current.run_of(item.config)
    if report.skipped:  # a skip mark: not applicable here, or the user's own
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        return run.skipped(item.case, str(reason).removeprefix("Skipped: "))
    crash = getattr(report.longrepr, "reprcrash", None)  # something broke, not the check
    return run.broken(item.case, crash.message if crash else str(report.longrepr))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Hide secrets in log records: ``--log-cli-level`` prints them as they come and
    ``--log-file`` writes them, before any report could be redacted."""
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    if logging_plugin is not None and options.layout(config).in_use:
        from ..secrets import LogFilter

        LogFilter.attach(logging_plugin, lambda: getattr(config.stash.get(current.RUN, None),
                                                         "secrets", None))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not isinstance(item, ChecklistItem):
        return report
    from ..report import evidence

    record = _record_of(item, report)
    if record is not None:
        report.deploycheck = record  # type: ignore[attr-defined]  # read by every report
        crash = getattr(report.longrepr, "reprcrash", None)
        if report.failed and crash is not None:
            crash.message = record.message  # the short summary: no "Failed: " prefix
        if report.when == "call" and record.duration:
            report.duration = record.duration  # the probe's own, not the wait for it
        report.sections += evidence.sections(record)
        item.user_properties += evidence.properties(  # JUnit reads the teardown's
            record, item.config.stash.get(options.PREVIOUS, None))
    current.run_of(item.config).secrets.redact_report(report)  # pytest's own texts too
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    """``AWAITING SIGN-OFF``, ``INVALID SIGN-OFF`` and ``WAIVED`` instead of FAILED and
    XFAIL (``-v``, ``-r``);
    the categories, and so the counts and the exit code, stay pytest's."""
    record = getattr(report, "deploycheck", None)
    if record is None or report.when != "call":
        return None
    from ..report.terminal import TEST_STATUS

    return TEST_STATUS.get((record.status, report.outcome))


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
        from ..record import ItemRecord

        report.deploycheck = ItemRecord.from_wire(wire)  # type: ignore[attr-defined]
    return report
