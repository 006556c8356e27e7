"""tcp, env, command and python checks as items of a pytest run: what the user reads
(a check's judgement in detail is in ``unit/test_check_local.py``)."""

from __future__ import annotations

import time

import pytest

from helpers.project import Project, one_item
from helpers.servers import closed_port


def run_one(project: Project, check: str, *args: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(check, *args, extra=extra)


def test_tcp_closed_port_fails_with_connection_refused(project: Project) -> None:
    port = closed_port()
    result = run_one(project, f"{{tcp: {{host: 127.0.0.1, port: {port}}}}}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"expected 127.0.0.1:{port} to be open: connection refused"])


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


def test_command_that_overruns_is_killed_at_the_timeout(project: Project) -> None:
    started = time.monotonic()
    result = run_one(project, "{command: {run: 'sleep 5; echo late', shell: true}}",
                     extra="timeout: 500ms")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["sleep 5; echo late: did not finish within 500 ms (killed)"])
    assert time.monotonic() - started < 3


def test_command_string_without_shell_is_a_collection_error(project: Project) -> None:
    project.checklist(one_item("{command: {run: 'ls -l'}}"))
    result = project.run()
    result.stdout.fnmatch_lines(["*'run' is a string: give a list of arguments, or set "
                                 "'shell: true'*"])


@pytest.fixture
def functions(project: Project) -> Project:
    project.write("risk_checks.py", """
        def exits(code):
            raise SystemExit(code)
        """)
    project.pytester.syspathinsert()
    return project


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
