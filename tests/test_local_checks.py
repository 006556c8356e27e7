"""tcp, env, command, file, disk, memory and python checks, for real."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from conftest import Project, one_item
from servers import closed_port


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run_one(project: Project, check: str, *args: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(check, *args, extra=extra)


# -- tcp ----------------------------------------------------------------------

def test_tcp_open_port_passes(project: Project, listening_port: int) -> None:
    result = run_one(project, f"{{tcp: {{host: 127.0.0.1, port: {listening_port}}}}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["connect time: * ms"])


def test_tcp_closed_port_fails_with_connection_refused(project: Project) -> None:
    port = closed_port()
    result = run_one(project, f"{{tcp: {{host: 127.0.0.1, port: {port}}}}}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"expected 127.0.0.1:{port} to be open: connection refused"])


def test_tcp_expect_closed_passes_on_a_closed_port_and_fails_on_an_open_one(
    project: Project, listening_port: int
) -> None:
    run_one(project, f"{{tcp: {{host: 127.0.0.1, port: {closed_port()}, expect: closed}}}}"
            ).assert_outcomes(passed=1)
    result = run_one(project, f"{{tcp: {{host: 127.0.0.1, port: {listening_port}, "
                              f"expect: closed}}}}")
    result.stdout.fnmatch_lines(["expected 127.0.0.1:* to be closed, but it accepted a connection"])


def test_tcp_unresolvable_host_fails_saying_so(project: Project) -> None:
    result = run_one(project, "{tcp: {host: no-such-host.invalid, port: 80}}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["expected no-such-host.invalid:80 to be open: cannot resolve*"])


# -- env ----------------------------------------------------------------------

def test_env_names_missing_and_empty_variables_but_never_values(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DC_PRESENT", "value-never-shown")
    monkeypatch.setenv("DC_EMPTY", " ")
    monkeypatch.delenv("DC_MISSING", raising=False)
    result = run_one(project, "{env: {names: [DC_PRESENT, DC_EMPTY, DC_MISSING]}}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "expected 3 variables set and non-empty; not set: DC_MISSING; empty: DC_EMPTY",
        "set: DC_PRESENT",
    ])
    assert "value-never-shown" not in result.stdout.str()


# -- command ------------------------------------------------------------------

def test_command_checks_exit_code_and_output(project: Project) -> None:
    result = run_one(project, "{command: {run: [python3, -c, 'print(\"All 12 passed\")'], "
                              "stdout: 'All \\d+ passed', stdout_not: ERROR}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["exit code: 0", "stdout: All 12 passed"])


def test_command_wrong_exit_code_quotes_the_last_line_of_output(project: Project) -> None:
    result = run_one(project, "{command: {run: [sh, -c, 'echo step1; echo disk full >&2; "
                              "exit 4'], exit_code: [0, 1]}}")
    result.stdout.fnmatch_lines(["expected exit code 0 or 1, got 4 (disk full)"])


def test_command_forbidden_output_names_the_line(project: Project) -> None:
    result = run_one(project, "{command: {run: [printf, 'ok\\nERROR: boom\\n'], "
                              "stdout_not: ERROR}}")
    result.stdout.fnmatch_lines(
        ["expected stdout not to match 'ERROR'; line 2 does: 'ERROR: boom'"])


def test_command_that_overruns_is_killed_at_the_timeout(project: Project) -> None:
    started = time.monotonic()
    result = run_one(project, "{command: {run: 'sleep 5; echo late', shell: true}}",
                     extra="timeout: 500ms")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["sleep 5; echo late: did not finish within 500 ms (killed)"])
    assert time.monotonic() - started < 3


def test_command_that_does_not_exist_fails_with_the_reason(project: Project) -> None:
    result = run_one(project, "{command: {run: [no-such-program-xyz]}}")
    result.stdout.fnmatch_lines(["cannot run no-such-program-xyz: No such file or directory"])


def test_command_runs_in_cwd_with_extra_env(project: Project) -> None:
    (project.path / "deploy").mkdir()
    result = run_one(project, "{command: {run: [sh, -c, 'pwd; echo $STAGE'], cwd: deploy, "
                              "env: {STAGE: blue}, stdout: 'deploy\\nblue'}}")
    result.assert_outcomes(passed=1)


def test_command_string_without_shell_is_a_collection_error(project: Project) -> None:
    project.checklist(one_item("{command: {run: 'ls -l'}}"))
    result = project.run()
    result.stdout.fnmatch_lines(["*'run' is a string: give a list of arguments, or set "
                                 "'shell: true'*"])


# -- file ---------------------------------------------------------------------

def test_file_exists_contains_and_is_recent(project: Project) -> None:
    project.write("CHANGELOG.md", "# Changelog\n\n## [1.4.0] - 2026-11-23\n")
    project.config("release: 1.4.0\n")
    result = run_one(project, '{file: {path: CHANGELOG.md, contains: "## [${release}]", '
                              'max_age: 1h, min_size: 10B}}')
    result.assert_outcomes(passed=1)


def test_file_missing_fails_saying_so(project: Project) -> None:
    result = run_one(project, "{file: {path: RUNBOOK.md}}")
    result.stdout.fnmatch_lines(["expected RUNBOOK.md to exist; it does not"])


def test_file_too_old_fails_with_its_age(project: Project) -> None:
    path = project.write("backup.sql", "data")
    old = time.time() - 3 * 86400
    os.utime(path, (old, old))
    result = run_one(project, "{file: {path: backup.sql, max_age: 1d}}")
    result.stdout.fnmatch_lines(["expected backup.sql modified within 86400.0 s, last modified "
                                 "3.0 days ago"])


def test_file_glob_checks_the_newest_match(project: Project) -> None:
    for n, age in ((1, 5), (2, 1)):
        path = project.write(f"backups/db-{n}.sql", "x")
        stamp = time.time() - age * 86400
        os.utime(path, (stamp, stamp))
    result = run_one(project, "{file: {path: 'backups/db-*.sql', max_age: 2d}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["matches: 2", "path: */backups/db-2.sql"])


def test_file_regex_mismatch_fails(project: Project) -> None:
    project.write("VERSION", "1.3.9\n")
    result = run_one(project, "{file: {path: VERSION, matches: '^1\\.4\\.'}}")
    result.stdout.fnmatch_lines(["expected VERSION to match '^1\\.4\\.'; it does not"])


# -- disk and memory ----------------------------------------------------------

def test_disk_with_enough_space_passes(project: Project) -> None:
    result = run_one(project, "{disk: {path: ., min_free: 1MB}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["free: * GiB", "total: *", "used: *%"])


def test_disk_with_too_little_space_fails_naming_both_sizes(project: Project) -> None:
    result = run_one(project, "{disk: {path: ., min_free: 1000TiB}}")
    result.stdout.fnmatch_lines(["expected at least 1000.0 TiB free on *, found * GiB"])


def test_disk_over_the_used_share_fails(project: Project) -> None:
    result = run_one(project, "{disk: {path: /, max_used_percent: 0.0001}}")
    result.stdout.fnmatch_lines(["expected at most 0.0001% used on /, found *%"])


def test_memory_available_passes_and_fails_on_the_numbers(project: Project) -> None:
    run_one(project, "{memory: {min_available: 1MiB}}").assert_outcomes(passed=1)
    result = run_one(project, "{memory: {min_available: 100TiB}}")
    result.stdout.fnmatch_lines(["expected at least 100.0 TiB available, found * GiB"])


# -- python -------------------------------------------------------------------

@pytest.fixture
def functions(project: Project) -> Project:
    project.write("risk_checks.py", """
        def limits(max_position, ctx):
            position = 750_000
            assert position <= max_position, f"position {position} exceeds {max_position}"
            return {"position": position, "timeout": ctx.timeout}

        def breaker_tripped():
            return False

        def crashes():
            raise KeyError("venue")

        def exits(code):
            raise SystemExit(code)
        """)
    project.pytester.syspathinsert()
    return project


def test_python_function_passes_with_its_evidence(functions: Project) -> None:
    result = run_one(functions, "{python: {function: 'risk_checks:limits', "
                                "kwargs: {max_position: 1000000}}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["position: 750000", "timeout: 10.0"])


def test_python_failed_assertion_is_the_message(functions: Project) -> None:
    result = run_one(functions, "{python: {function: 'risk_checks:limits', "
                                "kwargs: {max_position: 500000}}}")
    result.stdout.fnmatch_lines(["position 750000 exceeds 500000"])


def test_python_returning_false_fails(functions: Project) -> None:
    result = run_one(functions, "{python: {function: 'risk_checks:breaker_tripped'}}")
    result.stdout.fnmatch_lines(["risk_checks:breaker_tripped returned False"])


def test_python_exception_is_one_line(functions: Project) -> None:
    result = run_one(functions, "{python: {function: 'risk_checks:crashes'}}")
    result.stdout.fnmatch_lines(["risk_checks:crashes raised KeyError: 'venue'"])


def test_python_sys_exit_zero_passes_and_other_codes_fail(functions: Project) -> None:
    run_one(functions, "{python: {function: 'risk_checks:exits', kwargs: {code: 0}}}"
            ).assert_outcomes(passed=1)
    result = run_one(functions, "{python: {function: 'risk_checks:exits', kwargs: {code: 3}}}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["risk_checks:exits exited with code 3"])


def test_python_missing_function_is_a_collection_error(functions: Project) -> None:
    functions.checklist(one_item("{python: {function: 'risk_checks:limitz'}}"))
    result = functions.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*module 'risk_checks' has no function 'limitz'"])
