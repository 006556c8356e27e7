"""The logs check on real log files and a real command's output."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers.checks import fails, passes, shows


def stamp(ago: timedelta) -> str:
    return (datetime.now(timezone.utc) - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/app-1.log").write_text("\n".join([
        f"{stamp(timedelta(hours=5))} CRITICAL disk full on /var",
        f"{stamp(timedelta(hours=4))} INFO restarted",
    ]) + "\n")
    (tmp_path / "logs/app-2.log").write_text("\n".join([
        f"{stamp(timedelta(minutes=30))} INFO deployed 1.4.0",
        f"{stamp(timedelta(minutes=10))} ERROR upstream timeout",
        "  panic: runtime error",
        f"{stamp(timedelta(minutes=5))} INFO healthy",
    ]) + "\n")
    return tmp_path


def test_a_match_anywhere_fails_naming_the_first_lines(logs: Path) -> None:
    result = fails("logs", {"files": ["logs/*.log"], "pattern": "CRITICAL|panic"},
                   "expected no line matching 'CRITICAL|panic', found 2 (first: app-1.log:1: * "
                   "CRITICAL disk full on /var)", root=logs)
    shows(result, lines="6", matches="2", match_1="app-1.log:1: *",
          match_2="app-2.log:3: panic: runtime error")


def test_since_only_reads_recent_lines_and_continuation_lines(logs: Path) -> None:
    passes("logs", {"files": ["logs/*.log"], "pattern": "CRITICAL", "since": "1h"}, root=logs)
    fails("logs", {"files": ["logs/*.log"], "pattern": "panic", "since": "1h"},
          "*found 1 (first: app-2.log:3: panic*", root=logs)


def test_last_lines_limits_each_file(logs: Path) -> None:
    passes("logs", {"files": ["logs/app-1.log"], "pattern": "CRITICAL", "last_lines": 1},
           root=logs)


def test_a_command_output_is_searched(tmp_path: Path) -> None:
    fails("logs", {"command": ["sh", "-c", "echo ok; echo FATAL boom"], "pattern": "FATAL"},
          "*found 1 (first: sh:2: FATAL boom)", root=tmp_path)


def test_no_matching_file_fails_saying_so(tmp_path: Path) -> None:
    fails("logs", {"files": ["logs/*.log"], "pattern": "x"}, "no log file matches logs/*.log",
          root=tmp_path)


def test_empty_logs_prove_nothing_and_fail(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("")
    fails("logs", {"files": ["app.log"], "pattern": "CRITICAL"},
          "expected log lines to check, found none (the logs are empty)", root=tmp_path)
    fails("logs", {"command": ["true"], "pattern": "CRITICAL"},
          "expected log lines to check, found none (the logs are empty)", root=tmp_path)


def test_since_fails_when_no_line_carries_a_time(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("Dec 02 10:00:01 app started\nDec 02 10:00:02 ok\n")
    fails("logs", {"files": ["app.log"], "pattern": "CRITICAL", "since": "1h"},
          "no line of the 2 read starts with a time 'since' can read (ISO 8601, such as "
          "2026-11-23T10:00:00Z)", root=tmp_path)


def test_a_quiet_hour_passes_with_no_line_scanned(logs: Path) -> None:
    shows(passes("logs", {"files": ["logs/app-1.log"], "pattern": "CRITICAL", "since": "1h"},
                 root=logs), lines="0")


def test_a_device_is_not_a_log(tmp_path: Path) -> None:
    (tmp_path / "app.log").symlink_to("/dev/zero")
    fails("logs", {"files": ["app.log"], "pattern": "x"},
          "cannot read */app.log: not a regular file (a character device)", root=tmp_path)
