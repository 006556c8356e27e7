"""``pytest_deploycheck.testing.run_check``: the public way to run one check from plain
Python — for the built-in types and for a project's own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.examples import KEY_ERROR_LINE, QUEUE_CHECKS
from pytest_deploycheck.errors import ChecklistError, DeploycheckError
from pytest_deploycheck.testing import run_check


def test_run_check_works_in_a_fresh_interpreter_without_importing_pytest(
    tmp_path: Path,
) -> None:
    (tmp_path / "hello.txt").write_text("hello\n")
    (tmp_path / "absent.txt").write_text("absent\n")
    script = textwrap.dedent("""
        import sys
        from pytest_deploycheck import testing
        ok = testing.run_check("file", {"path": "hello.txt", "contains": "hello"})
        bad = testing.run_check("file", {"path": "absent.txt", "contains": "hello"})
        print(ok.passed, bad.passed, bad.message, sep="|")
        print("pytest" in sys.modules, "_pytest" in sys.modules, sep="|")
        """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "True|False|expected absent.txt to contain 'hello'; it does not"
    assert second == "False|False"


def test_an_unknown_check_type_is_named_with_a_suggestion() -> None:
    with pytest.raises(DeploycheckError, match="unknown check type 'htp' — did you mean "
                                               "'http'\\?; known: calendar, changelog"):
        run_check("htp", {"url": "http://x/"})


def test_a_mistake_in_the_spec_names_the_field_and_the_right_key() -> None:
    with pytest.raises(ChecklistError) as caught:
        run_check("file", {"path": "x", "contians": "hello"})
    assert str(caught.value) == ("check file: field 'contians': unknown key 'contians' — "
                                 "did you mean 'contains'?")


def test_variables_fill_the_spec_as_at_collection() -> None:
    with pytest.raises(ChecklistError, match=r"unknown variable \$\{base_ur\} — did you mean "
                                             "'base_url'"):
        run_check("http", {"url": "${base_ur}/health"}, variables={"base_url": "http://x"})


TEST_QUEUE_CHECKS = """
import queue_checks  # registers the type
from pytest_deploycheck.testing import run_check

ok = run_check("queue_depth", {"queue": "orders", "max_depth": 50})
assert ok.passed and ok.evidence == {"depth": 7}, ok
backed_up = run_check("queue_depth", {"queue": "fills", "max_depth": 50})
assert not backed_up.passed
print(backed_up.message)
broken = run_check("queue_depth", {"queue": "nope"})
print(broken.message, "at", broken.evidence["error location"].rpartition("/")[2])
"""


def test_a_check_type_of_your_own_is_unit_tested_the_same_way(tmp_path: Path) -> None:
    """The README's example: a project's own check type and its unit test, in a process
    of its own (a registered type stays registered)."""
    (tmp_path / "queue_checks.py").write_text(QUEUE_CHECKS)
    done = subprocess.run([sys.executable, "-c", TEST_QUEUE_CHECKS], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "expected at most 50 messages in fills, found 250",
        f"the check raised KeyError: 'nope' at queue_checks.py:{KEY_ERROR_LINE}"]
