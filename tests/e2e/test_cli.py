from __future__ import annotations

import sys
from pathlib import Path

import pytest

import pytest_deploycheck
from helpers import signing
from helpers.examples import QUEUE_CHECKS
from helpers.project import Project


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


def test_the_command_sees_the_project_pytest_sees(pytester: pytest.Pytester) -> None:
    """The ini settings place the checklists and the config elsewhere; from a subdirectory
    of the project, ``deploycheck status`` finds them as ``pytest`` does."""
    pytester.makeini("[pytest]\ndeploycheck_paths = release-checks\n"
                     "deploycheck_config = release-checks/project.yaml\n"
                     "deploycheck_release = 3.1.0\n")
    (pytester.path / "release-checks").mkdir()
    (pytester.path / "release-checks" / "project.yaml").write_text(
        "project: payments\nroles: {ops: [ops@example.com]}\n")
    (pytester.path / "release-checks" / "c.yaml").write_text(
        "checklist: c\ntitle: C\nphase: deploy\nsections:\n"
        "  - {id: s, title: S, items: [{id: go, title: Go, attest: {roles: [ops]}}]}\n")
    (pytester.path / "docs").mkdir()
    result = pytester.run(sys.executable, "-m", "pytest_deploycheck", "status", "--rootdir",
                          str(pytester.path / "docs"))
    result.stdout.fnmatch_lines(["payments release 3.1.0, environment default",
                                 "  ☐ c::go (Go): *",
                                 "1 manual items: 0 signed off, 1 waiting — roles still to "
                                 "sign: ops (1)"])
    pytest_run = pytester.runpytest("docs", "release-checks")
    pytest_run.stdout.fnmatch_lines(["deploycheck: project payments, environment default, "
                                     "release 3.1.0"])


def test_a_conftest_that_fails_to_import_is_one_line_not_a_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makeconftest("import no_such_module_here\n")
    result = pytester.run(sys.executable, "-m", "pytest_deploycheck", "status")
    assert result.ret == 1
    assert result.stderr.lines == [
        "deploycheck status: cannot load the project as pytest does: ModuleNotFoundError: "
        f"No module named 'no_such_module_here' (from {pytester.path / 'conftest.py'})"]


def test_a_conftest_check_type_is_known_to_every_command(
    project: Project, keydir: Path
) -> None:
    project.write("conftest.py", QUEUE_CHECKS)
    project.config("project: shop\nrelease: 2.0.0\nroles: {ops: [alice@example.com]}\n")
    project.write("checks/allowed_signers",
                  signing.allowed_signers(keydir, {"alice@example.com": "ed25519"}))
    project.checklist("""
        checklist: shop
        title: Shop
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - {id: queue, title: Orders queue drained, check: {queue_depth: {queue: orders}}}
              - {id: go, title: Go, attest: {roles: [ops]}}
        """)

    def run(*args: str) -> pytest.RunResult:
        return project.pytester.run(sys.executable, "-m", "pytest_deploycheck", *args)

    run("types").stdout.fnmatch_lines(["queue_depth  A queue is not backed up.  [read-only]"])
    schema = run("schema")
    assert schema.ret == 0
    assert '"queue_depth"' in schema.stdout.str()
    status = run("status")
    assert status.ret == 1, status.stderr.str()
    status.stdout.fnmatch_lines(["  ☐ shop::go (Go): needs approval by ops"])
    signed = run("attest", "go", "--role", "ops", "--key", str(keydir / "ed25519"))
    assert signed.ret == 0, signed.stderr.str()
    assert run("status").ret == 0
    project.run().assert_outcomes(passed=2)
