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
