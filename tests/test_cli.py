from __future__ import annotations

import sys

import pytest

import pytest_deploycheck


def test_version_and_help(pytester: pytest.Pytester) -> None:
    result = pytester.run(sys.executable, "-m", "pytest_deploycheck", "--version")
    result.stdout.fnmatch_lines([f"deploycheck {pytest_deploycheck.__version__}"])
    result = pytester.run(sys.executable, "-m", "pytest_deploycheck", "--help")
    result.stdout.fnmatch_lines(["usage: deploycheck *", "*exit codes: 0 success*"])
    assert result.ret == 0


def test_types_lists_every_built_in_check_type(pytester: pytest.Pytester) -> None:
    result = pytester.run(sys.executable, "-m", "pytest_deploycheck", "types")
    for name in ("calendar", "changelog", "command", "coverage", "disk", "dns", "env", "file",
                 "git", "http", "junit", "logs", "memory", "prometheus", "python", "sql", "tcp",
                 "tls", "version", "websocket"):
        result.stdout.fnmatch_lines([f"{name} *"])


def test_no_command_prints_help_and_exits_2(pytester: pytest.Pytester) -> None:
    result = pytester.run(sys.executable, "-m", "pytest_deploycheck")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["usage: deploycheck *"])


def test_the_options_are_in_a_deploycheck_group_of_pytest_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "deployment checklists (pytest-deploycheck):",
        "  --deploycheck-env=NAME*",
        "  --deploycheck-release=VERSION*",
    ])
    result.stdout.fnmatch_lines(["  deploycheck_paths (args):*"])


def test_environment_and_release_come_from_env_vars(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (pytester.path / "checks").mkdir()
    (pytester.path / "checks" / "deploycheck.yaml").write_text(
        "environments: {staging: {}, production: {}}\ndefault_environment: staging\n")
    (pytester.path / "checks" / "c.yaml").write_text(
        "checklist: c\ntitle: C\nphase: deploy\nsections:\n"
        "  - {id: s, title: S, items: [{id: a, title: A, check: {env: {names: [PATH]}}}]}\n")
    monkeypatch.setenv("DEPLOYCHECK_ENV", "production")
    monkeypatch.setenv("DEPLOYCHECK_RELEASE", "2.0.1")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        ["deploycheck: project *, environment production, release 2.0.1"])
    result = pytester.runpytest("--deploycheck-env", "staging", "--deploycheck-release", "2.0.2")
    result.stdout.fnmatch_lines(["deploycheck: project *, environment staging, release 2.0.2"])
