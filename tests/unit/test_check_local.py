"""tcp, env, command, file, disk, memory and python checks, for real, through
``testing.run_check``."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.checks import fails, passes, shows
from helpers.servers import closed_port


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# -- tcp ----------------------------------------------------------------------

def test_tcp_open_port_passes(listening_port: int) -> None:
    shows(passes("tcp", {"host": "127.0.0.1", "port": listening_port}), connect_time="* ms")


def test_tcp_closed_port_fails_with_connection_refused() -> None:
    port = closed_port()
    fails("tcp", {"host": "127.0.0.1", "port": port},
          f"expected 127.0.0.1:{port} to be open: connection refused")


def test_tcp_expect_closed_passes_on_a_closed_port_and_fails_on_an_open_one(
    listening_port: int,
) -> None:
    passes("tcp", {"host": "127.0.0.1", "port": closed_port(), "expect": "closed"})
    fails("tcp", {"host": "127.0.0.1", "port": listening_port, "expect": "closed"},
          "expected 127.0.0.1:* to be closed, but it accepted a connection")


def test_tcp_unresolvable_host_fails_saying_so() -> None:
    fails("tcp", {"host": "no-such-host.invalid", "port": 80},
          "expected no-such-host.invalid:80 to be open: cannot resolve*")


# -- env ----------------------------------------------------------------------

def test_env_names_missing_and_empty_variables_but_never_values() -> None:
    environ = {"DC_PRESENT": "value-never-shown", "DC_EMPTY": " "}
    result = fails("env", {"names": ["DC_PRESENT", "DC_EMPTY", "DC_MISSING"]},
                   "expected 3 variables set and non-empty; not set: DC_MISSING; empty: "
                   "DC_EMPTY", environ=environ)
    shows(result, set="DC_PRESENT")
    assert "value-never-shown" not in f"{result.message} {result.evidence}"


def test_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DC_FROM_PROCESS", "x")
    passes("env", {"names": ["DC_FROM_PROCESS"]})


# -- command ------------------------------------------------------------------

def test_command_checks_exit_code_and_output() -> None:
    result = passes("command", {"run": [sys.executable, "-c", 'print("All 12 passed")'],
                                "stdout": r"All \d+ passed", "stdout_not": "ERROR"})
    shows(result, exit_code="0", stdout="All 12 passed")


def test_command_wrong_exit_code_quotes_the_last_line_of_output() -> None:
    fails("command", {"run": ["sh", "-c", "echo step1; echo disk full >&2; exit 4"],
                      "exit_code": [0, 1]},
          "expected exit code 0 or 1, got 4 (disk full)")


def test_command_forbidden_output_names_the_line() -> None:
    fails("command", {"run": ["printf", "ok\\nERROR: boom\\n"], "stdout_not": "ERROR"},
          "expected stdout not to match 'ERROR'; line 2 does: 'ERROR: boom'")


def test_command_that_overruns_is_killed_at_the_timeout() -> None:
    started = time.monotonic()
    fails("command", {"run": "sleep 5; echo late", "shell": True},
          "sleep 5; echo late: did not finish within 500 ms (killed)", timeout=0.5)
    assert time.monotonic() - started < 3


def test_command_that_does_not_exist_fails_with_the_reason() -> None:
    fails("command", {"run": ["no-such-program-xyz"]},
          "cannot run no-such-program-xyz: No such file or directory")


def test_command_runs_in_cwd_with_extra_env(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    passes("command", {"run": ["sh", "-c", "pwd; echo $STAGE"], "cwd": "deploy",
                       "env": {"STAGE": "blue"}, "stdout": "deploy\nblue"}, root=tmp_path)


def test_command_gets_the_environment_the_run_reads() -> None:
    passes("command", {"run": ["sh", "-c", 'test "$DC_ONLY_HERE" = yes']},
           environ={"DC_ONLY_HERE": "yes", "PATH": os.environ["PATH"]})


# -- file ---------------------------------------------------------------------

def test_file_exists_contains_and_is_recent(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## [1.4.0] - 2026-11-23\n")
    passes("file", {"path": "CHANGELOG.md", "contains": "## [${release}]", "max_age": "1h",
                    "min_size": "10B"}, root=tmp_path, release="1.4.0")


def test_file_missing_fails_saying_so(tmp_path: Path) -> None:
    fails("file", {"path": "RUNBOOK.md"}, "expected RUNBOOK.md to exist; it does not",
          root=tmp_path)


def test_file_too_old_fails_with_its_age(tmp_path: Path) -> None:
    path = tmp_path / "backup.sql"
    path.write_text("data")
    old = time.time() - 3 * 86400
    os.utime(path, (old, old))
    fails("file", {"path": "backup.sql", "max_age": "1d"},
          "expected backup.sql modified within 1d, last modified 3.0 days ago",
          root=tmp_path)


def test_file_glob_checks_the_newest_match(tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    for n, age in ((1, 5), (2, 1)):
        path = tmp_path / f"backups/db-{n}.sql"
        path.write_text("x")
        stamp = time.time() - age * 86400
        os.utime(path, (stamp, stamp))
    result = passes("file", {"path": "backups/db-*.sql", "max_age": "2d"}, root=tmp_path)
    shows(result, matches="2", path="*/backups/db-2.sql")


def test_file_regex_mismatch_fails(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("1.3.9\n")
    fails("file", {"path": "VERSION", "matches": r"^1\.4\."},
          r"expected VERSION to match '^1\.4\.'; it does not", root=tmp_path)


def test_file_that_must_not_exist(tmp_path: Path) -> None:
    passes("file", {"path": "maintenance.flag", "exists": False}, root=tmp_path)
    (tmp_path / "maintenance.flag").write_text("")
    fails("file", {"path": "maintenance.flag", "exists": False},
          "expected maintenance.flag not to exist; found */maintenance.flag", root=tmp_path)


# -- disk and memory ----------------------------------------------------------

def test_disk_with_enough_space_passes(tmp_path: Path) -> None:
    result = passes("disk", {"path": ".", "min_free": "1MB"}, root=tmp_path)
    shows(result, free="* GiB", total="*", used="*%")


def test_disk_with_too_little_space_fails_naming_both_sizes(tmp_path: Path) -> None:
    fails("disk", {"path": ".", "min_free": "1000TiB"},
          "expected at least 1000.0 TiB free on *, found * GiB", root=tmp_path)


def test_disk_over_the_used_share_fails() -> None:
    fails("disk", {"path": "/", "max_used_percent": 0.0001},
          "expected at most 0.0001% used on /, found *%")


def test_memory_available_passes_and_fails_on_the_numbers() -> None:
    passes("memory", {"min_available": "1MiB"})
    fails("memory", {"min_available": "100TiB"},
          "expected at least 100.0 TiB available, found * GiB")


# -- python -------------------------------------------------------------------

@pytest.fixture
def functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "risk_checks_unit.py").write_text(
        "def limits(max_position, ctx):\n"
        "    position = 750_000\n"
        "    assert position <= max_position, f'position {position} exceeds {max_position}'\n"
        "    return {'position': position, 'timeout': ctx.timeout}\n"
        "\n"
        "def breaker_tripped():\n"
        "    return False\n"
        "\n"
        "def crashes():\n"
        "    raise KeyError('venue')\n"
        "\n"
        "def exits(code):\n"
        "    raise SystemExit(code)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_python_function_passes_with_its_evidence(functions: Path) -> None:
    result = passes("python", {"function": "risk_checks_unit:limits",
                               "kwargs": {"max_position": 1000000}})
    shows(result, position="750000", timeout="10.0")


def test_python_failed_assertion_is_the_message(functions: Path) -> None:
    fails("python", {"function": "risk_checks_unit:limits", "kwargs": {"max_position": 500000}},
          "position 750000 exceeds 500000")


def test_python_returning_false_fails(functions: Path) -> None:
    fails("python", {"function": "risk_checks_unit:breaker_tripped"},
          "risk_checks_unit:breaker_tripped returned False")


def test_python_exception_is_one_line(functions: Path) -> None:
    fails("python", {"function": "risk_checks_unit:crashes"},
          "risk_checks_unit:crashes raised KeyError: 'venue'")


def test_python_sys_exit_zero_passes_and_other_codes_fail(functions: Path) -> None:
    passes("python", {"function": "risk_checks_unit:exits", "kwargs": {"code": 0}})
    fails("python", {"function": "risk_checks_unit:exits", "kwargs": {"code": 3}},
          "risk_checks_unit:exits exited with code 3")
