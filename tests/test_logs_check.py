"""The logs check on real log files and a real command's output."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conftest import Project, one_item


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


def test_a_match_anywhere_fails_naming_the_first_lines(logs: Project) -> None:
    result = run_one(logs, "{logs: {files: ['logs/*.log'], pattern: 'CRITICAL|panic'}}")
    result.stdout.fnmatch_lines([
        "expected no line matching 'CRITICAL|panic', found 2 (first: app-1.log:1: * "
        "CRITICAL disk full on /var)",
        "lines: 6", "matches: 2", "match 1: app-1.log:1: *", "match 2: app-2.log:3: "
        "panic: runtime error"])


def test_since_only_reads_recent_lines_and_continuation_lines(logs: Project) -> None:
    run_one(logs, "{logs: {files: ['logs/*.log'], pattern: CRITICAL, since: 1h}}"
            ).assert_outcomes(passed=1)
    result = run_one(logs, "{logs: {files: ['logs/*.log'], pattern: panic, since: 1h}}")
    result.stdout.fnmatch_lines(["*found 1 (first: app-2.log:3: panic*"])


def test_last_lines_limits_each_file(logs: Project) -> None:
    run_one(logs, "{logs: {files: ['logs/app-1.log'], pattern: CRITICAL, last_lines: 1}}"
            ).assert_outcomes(passed=1)


def test_a_command_output_is_searched(project: Project) -> None:
    result = run_one(project, "{logs: {command: [sh, -c, 'echo ok; echo FATAL boom'], "
                              "pattern: FATAL}}")
    result.stdout.fnmatch_lines(["*found 1 (first: sh:2: FATAL boom)"])


def test_no_matching_file_fails_saying_so(project: Project) -> None:
    result = run_one(project, "{logs: {files: ['logs/*.log'], pattern: x}}")
    result.stdout.fnmatch_lines(["no log file matches logs/*.log"])


def test_files_and_command_together_are_a_collection_error(project: Project) -> None:
    project.checklist(one_item("{logs: {files: [a.log], command: [ls], pattern: x}}"))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*field 'check.logs': give either files or a command"])
