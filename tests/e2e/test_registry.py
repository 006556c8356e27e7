"""Check types come from the built-ins, the decorator in conftest.py and entry points."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass

import pytest

from helpers.examples import QUEUE_CHECKS
from helpers.project import Project, one_item
from pytest_deploycheck.errors import RegistryError
from pytest_deploycheck.registry import REGISTRY, check_type

CONFTEST = QUEUE_CHECKS

CHECKLIST = """
    checklist: q
    title: Queues
    phase: postdeploy
    sections:
      - id: queues
        title: Queues
        items:
          - {id: orders, title: Orders queue drained, check: {queue_depth: {queue: orders}}}
          - {id: fills, title: Fills queue drained, check: {queue_depth: {queue: fills}}}
    """


def test_a_check_type_defined_in_conftest_runs_from_a_checklist(project: Project) -> None:
    project.write("conftest.py", CONFTEST)
    project.checklist(CHECKLIST)
    result = project.run("-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["expected at most 100 messages in fills, found 250"])
    result.stdout.fnmatch_lines(["*::queues::orders: Orders queue drained*", "*evidence*",
                                 "depth: 7"])


def test_a_conftest_check_types_spec_is_validated_at_collection(project: Project) -> None:
    project.write("conftest.py", CONFTEST)
    project.checklist(CHECKLIST.replace("queue: orders", "queue: orders, max_dept: 5"))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*item 'orders', field 'check.queue_depth.max_dept': unknown "
                                 "key 'max_dept' — did you mean 'max_depth'?"])


def test_an_entry_point_check_type_is_found_by_its_name(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = project.path / "site"
    (site / "deploycheck_extra-1.0.dist-info").mkdir(parents=True)
    (site / "deploycheck_extra-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: deploycheck-extra\nVersion: 1.0\n")
    (site / "deploycheck_extra-1.0.dist-info" / "entry_points.txt").write_text(
        "[pytest_deploycheck.checks]\nqueue_depth = deploycheck_extra:queue_depth\n")
    (site / "deploycheck_extra.py").write_text(textwrap.dedent(CONFTEST))
    project.checklist(CHECKLIST)
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = project.run_subprocess("-rA")
    result.assert_outcomes(passed=1, failed=1)
    result = project.pytester.run(sys.executable, "-m", "pytest_deploycheck", "types")
    result.stdout.fnmatch_lines(["queue_depth  A queue is not backed up.  [read-only]"])


def test_a_run_function_without_a_dataclass_spec_is_refused() -> None:
    with pytest.raises(RegistryError, match="annotate the first parameter"):
        @check_type("broken")
        def broken(spec: int, ctx: object) -> None:
            pass
    assert "broken" not in REGISTRY.names()


@dataclass
class UrlSpec:
    url: str


def other_http(spec: UrlSpec, ctx: object) -> None:
    pass


def test_a_built_in_name_cannot_be_claimed_again() -> None:
    with pytest.raises(RegistryError, match="check type 'http' is defined twice: it is built in"):
        check_type("http", spec=UrlSpec)(other_http)


SLOW_IMPORT = """
    from dataclasses import dataclass

    from pytest_deploycheck import check_type


    @dataclass(frozen=True)
    class Slow:
        name: str


    @check_type("slow_library", read_only=True, imports=("slow_library_module",))
    def slow_library(spec: Slow, ctx: object) -> dict[str, str]:
        import slow_library_module  # heavy, optional: imported when the check runs

        return {"loaded": slow_library_module.NAME}
    """


@pytest.mark.parametrize("spread", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_what_a_check_imports_is_imported_before_its_clock_starts(
    project: Project, spread: list[str]
) -> None:
    """A library that takes 1.5 s to import, for a check whose time limit is 300 ms: the
    run imports it once, before any probe starts, and the check passes in time."""
    project.pytester.makeini("[pytest]\npythonpath = .\n")
    project.write("conftest.py", SLOW_IMPORT)
    project.write("slow_library_module.py", "import time\ntime.sleep(1.5)\nNAME = 'slow'\n")
    project.checklist(one_item("{slow_library: {name: x}}", extra="timeout: 300ms"))
    # a process of its own: its check type stays out of this one's registry
    result = project.run_subprocess("-p", "no:randomly", "-rA", *spread)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["loaded: slow"])
