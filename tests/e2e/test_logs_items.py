"""The logs check as an item: its spec's mistakes are collection errors (its judgement
is in ``unit/test_check_logs.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from helpers.project import Project, one_item


def stamp(ago: timedelta) -> str:
    return (datetime.now(timezone.utc) - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def logs(project: Project) -> Project:
    project.write("logs/app-1.log", "\n".join([
        f"{stamp(timedelta(hours=5))} CRITICAL disk full on /var",
        f"{stamp(timedelta(hours=4))} INFO restarted",
    ]) + "\n")
    project.write("logs/app-2.log", "\n".join([
        f"{stamp(timedelta(minutes=30))} INFO deployed 1.4.0",
        f"{stamp(timedelta(minutes=10))} ERROR upstream timeout",
        "  panic: runtime error",
        f"{stamp(timedelta(minutes=5))} INFO healthy",
    ]) + "\n")
    return project


def run_one(project: Project, check: str) -> pytest.RunResult:
    return project.run_check(check)


def test_files_and_command_together_are_a_collection_error(project: Project) -> None:
    project.checklist(one_item("{logs: {files: [a.log], command: [ls], pattern: x}}"))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*field 'check.logs': give either files or a command"])
