"""coverage and junit checks on real files, made by running coverage and pytest."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import Project


@pytest.fixture
def sample(project: Project) -> Project:
    """A tiny project run under coverage, leaving coverage.xml and JUnit files."""
    project.write("src/core/calc.py", """
        def add(a, b):
            return a + b
        """)
    project.write("src/util/extra.py", """
        def used():
            return 1

        def unused():
            x = 2
            return x
        """)
    project.write("sample_tests/test_sample.py", """
        import sys
        sys.path.insert(0, "src")
        from core.calc import add
        from util.extra import used

        def test_add():
            assert add(1, 2) == 3

        def test_used():
            assert used() == 1
        """)
    project.write("failing_tests/test_failing.py", """
        def test_ok():
            pass

        def test_broken():
            assert 1 == 2, "totals differ"
        """)
    inner = ["-m", "pytest", "-q", "-p", "no:deploycheck", "-p", "no:cacheprovider"]
    for args in (["-m", "coverage", "run", "--source=src", *inner, "sample_tests",
                  "--junitxml=reports/unit.xml"],
                 ["-m", "coverage", "xml", "-o", "coverage.xml"],
                 [*inner, "failing_tests", "--junitxml=reports-failing/acceptance.xml"]):
        subprocess.run([sys.executable, *args], cwd=project.path, capture_output=True,
                       timeout=120, check=False)
    assert (project.path / "coverage.xml").exists()
    return project


def run_one(project: Project, check: str) -> pytest.RunResult:
    return project.run_check(check, "checks")


def test_coverage_over_the_minimums_passes(sample: Project) -> None:
    result = run_one(sample, "{coverage: {report: coverage.xml, min_percent: 70, "
                             "paths: {'src/core/*': 100}}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["total: *%", "files: 2", "src/core/*: 100.0% of 1 file"])


def test_coverage_under_the_total_minimum_fails_with_both_figures(sample: Project) -> None:
    result = run_one(sample, "{coverage: {report: coverage.xml, min_percent: 95}}")
    result.stdout.fnmatch_lines(["expected more coverage: total *% < 95%"])


def test_coverage_of_a_core_path_under_its_minimum_fails(sample: Project) -> None:
    result = run_one(sample, "{coverage: {report: coverage.xml, paths: {'src/util/*': 95, "
                             "'src/missing/*': 50}}}")
    result.stdout.fnmatch_lines(["expected more coverage: src/util/* *% < 95%; no file in the "
                                 "report matches 'src/missing/*'"])


def test_a_missing_coverage_report_fails_saying_so(project: Project) -> None:
    result = run_one(project, "{coverage: {report: coverage.xml, min_percent: 80}}")
    result.stdout.fnmatch_lines(["cannot read coverage.xml: No such file or directory"])


def test_junit_without_failures_passes_with_counts(sample: Project) -> None:
    result = run_one(sample, "{junit: {path: 'reports/*.xml', min_tests: 2}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["files: 1", "tests: 2", "failures: 0", "errors: 0"])


def test_junit_with_a_failure_names_the_first_one(sample: Project) -> None:
    result = run_one(sample, "{junit: {path: 'reports-failing/acceptance.xml'}}")
    result.stdout.fnmatch_lines(["expected no failures or errors, found 1 failed and 0 errors "
                                 "(first: *test_failing::test_broken: AssertionError: totals "
                                 "differ*"])


def test_junit_with_too_few_tests_fails(sample: Project) -> None:
    result = run_one(sample, "{junit: {path: reports/unit.xml, min_tests: 50}}")
    result.stdout.fnmatch_lines(["expected at least 50 tests, found 2"])


def test_junit_with_no_matching_file_fails(project: Project) -> None:
    result = run_one(project, "{junit: {path: 'reports/*.xml'}}")
    result.stdout.fnmatch_lines(["no file matches reports/*.xml"])


def test_junit_name_counts_only_the_tests_it_matches(sample: Project) -> None:
    """"Circuit breakers tested": one suite of a shared JUnit file, its failures included."""
    result = run_one(sample, "{junit: {path: 'reports*/*.xml', name: 'test_ok$'}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["tests: 1", "failures: 0"])
    result = run_one(sample, "{junit: {path: 'reports*/*.xml', name: 'broken'}}")
    result.stdout.fnmatch_lines(["expected no failures or errors, found 1 failed*"])
    result = run_one(sample, "{junit: {path: reports/unit.xml, name: 'circuit_breaker'}}")
    result.stdout.fnmatch_lines(["expected at least 1 tests matching 'circuit_breaker' (of 2), "
                                 "found 0"])
