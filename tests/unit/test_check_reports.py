"""coverage and junit checks on real files, made by running coverage and pytest."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.checks import fails, passes, shows
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.testing import run_check


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny project run under coverage, leaving coverage.xml and JUnit files."""
    root = tmp_path_factory.mktemp("sample")
    files = {
        "src/core/calc.py": """
            def add(a, b):
                return a + b
            """,
        "src/util/extra.py": """
            def used():
                return 1

            def unused():
                x = 2
                return x
            """,
        "sample_tests/test_sample.py": """
            import sys
            sys.path.insert(0, "src")
            from core.calc import add
            from util.extra import used

            def test_add():
                assert add(1, 2) == 3

            def test_used():
                assert used() == 1
            """,
        "failing_tests/test_failing.py": """
            def test_ok():
                pass

            def test_broken():
                assert 1 == 2, "totals differ"
            """,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    inner = ["-m", "pytest", "-q", "-p", "no:deploycheck", "-p", "no:cacheprovider"]
    for args in (["-m", "coverage", "run", "--source=src", *inner, "sample_tests",
                  "--junitxml=reports/unit.xml"],
                 ["-m", "coverage", "xml", "-o", "coverage.xml"],
                 [*inner, "failing_tests", "--junitxml=reports-failing/acceptance.xml"]):
        subprocess.run([sys.executable, *args], cwd=root, capture_output=True,
                       timeout=120, check=False)
    assert (root / "coverage.xml").exists()
    return root


def test_coverage_over_the_minimums_passes(sample: Path) -> None:
    result = passes("coverage", {"report": "coverage.xml", "min_percent": 70,
                                 "paths": {"src/core/*": 100}}, root=sample)
    shows(result, total="*%", files="2")
    assert result.evidence["src/core/*"] == "100.0% of 1 file"


def test_coverage_under_the_total_minimum_fails_with_both_figures(sample: Path) -> None:
    fails("coverage", {"report": "coverage.xml", "min_percent": 95},
          "expected more coverage: total *% < 95%", root=sample)


def test_coverage_of_a_core_path_under_its_minimum_fails(sample: Path) -> None:
    fails("coverage", {"report": "coverage.xml",
                       "paths": {"src/util/*": 95, "src/missing/*": 50}},
          "expected more coverage: src/util/* *% < 95%; no file in the report matches "
          "'src/missing/*'", root=sample)


def test_a_missing_coverage_report_fails_saying_so(tmp_path: Path) -> None:
    fails("coverage", {"report": "coverage.xml", "min_percent": 80},
          "cannot read coverage.xml: No such file or directory", root=tmp_path)


def test_junit_without_failures_passes_with_counts(sample: Path) -> None:
    result = passes("junit", {"path": "reports/*.xml", "min_tests": 2}, root=sample)
    shows(result, files="1", tests="2", failures="0", errors="0")


def test_junit_with_a_failure_names_the_first_one(sample: Path) -> None:
    fails("junit", {"path": "reports-failing/acceptance.xml"},
          "expected no failures or errors, found 1 failed and 0 errors (first: "
          "*test_failing::test_broken: AssertionError: totals differ*", root=sample)


def test_junit_with_too_few_tests_fails(sample: Path) -> None:
    fails("junit", {"path": "reports/unit.xml", "min_tests": 50},
          "expected at least 50 tests, found 2", root=sample)


def test_junit_with_no_matching_file_fails(tmp_path: Path) -> None:
    fails("junit", {"path": "reports/*.xml"}, "no file matches reports/*.xml", root=tmp_path)


def test_junit_name_counts_only_the_tests_it_matches(sample: Path) -> None:
    """"Circuit breakers tested": one suite of a shared JUnit file, its failures included."""
    shows(passes("junit", {"path": "reports*/*.xml", "name": "test_ok$"}, root=sample),
          tests="1", failures="0")
    fails("junit", {"path": "reports*/*.xml", "name": "broken"},
          "expected no failures or errors, found 1 failed*", root=sample)
    fails("junit", {"path": "reports/unit.xml", "name": "circuit_breaker"},
          "expected at least 1 tests matching 'circuit_breaker' (of 2), found 0", root=sample)


def test_a_cobertura_report_without_line_data_is_measured_by_its_totals(tmp_path: Path) -> None:
    (tmp_path / "coverage.xml").write_text(
        '<coverage lines-valid="100" lines-covered="70" line-rate="0.7"><packages/></coverage>')
    result = fails("coverage", {"report": "coverage.xml", "min_percent": 80},
                   "expected more coverage: total 70.0% < 80%", root=tmp_path)
    shows(result, total="70.0%", files="0", source="the report's totals (no per-line data)")


@pytest.mark.parametrize("report", [
    '<coverage line-rate="1"><packages/></coverage>',
    '<coverage lines-valid="0" lines-covered="0"><packages/></coverage>',
    '<coverage><packages><package><classes><class filename="a.py"><lines/></class></classes>'
    "</package></packages></coverage>",
], ids=["no totals", "zero lines", "files without lines"])
def test_a_coverage_report_with_nothing_to_measure_never_passes(
    tmp_path: Path, report: str
) -> None:
    (tmp_path / "coverage.xml").write_text(report)
    fails("coverage", {"report": "coverage.xml", "min_percent": 0},
          "coverage.xml has no line data: nothing to measure (lines-valid *)", root=tmp_path)


def test_a_glob_whose_files_hold_no_lines_fails(sample: Path, tmp_path: Path) -> None:
    text = (sample / "coverage.xml").read_text()
    (tmp_path / "coverage.xml").write_text(text.replace(
        "</classes>", '<class filename="gen/empty.py"><lines/></class></classes>', 1))
    fails("coverage", {"report": "coverage.xml", "paths": {"gen/*": 50}},
          "expected more coverage: the 1 file matching 'gen/*' hold no line data",
          root=tmp_path)


def test_junit_without_test_cases_never_passes(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_text('<testsuites><testsuite name="none" tests="0"/>'
                                        "</testsuites>")
    fails("junit", {"path": "empty.xml"}, "expected at least 1 tests, found 0", root=tmp_path)
    with pytest.raises(ChecklistError, match="field 'min_tests': expected a number of at "
                                             "least 1, got the number 0"):
        run_check("junit", {"path": "empty.xml", "min_tests": 0}, root=tmp_path)
