"""A warning a check raises lands on its own item, whichever thread probed it and whatever
item was reporting then; the noise of the libraries a check type imports stays out."""

from __future__ import annotations

import pytest

from helpers.project import Project, checklist_of

CHECKS = """
    import time
    import warnings
    from dataclasses import dataclass

    from pytest_deploycheck import check_type


    @dataclass(frozen=True)
    class Wait:
        seconds: float
        warn: str = ""


    @check_type("wait", read_only=True)
    def wait(spec: Wait, ctx: object) -> None:
        if spec.warn:
            warnings.warn(spec.warn, UserWarning, stacklevel=1)
        time.sleep(spec.seconds)


    @dataclass(frozen=True)
    class Calendarish:
        name: str


    @check_type("calendarish", read_only=True, imports=("noisy_library",))
    def calendarish(spec: Calendarish, ctx: object) -> None:
        import noisy_library

        noisy_library.sessions()
    """
NOISY = """
    import warnings


    def sessions():
        warnings.warn("a future version will change this", DeprecationWarning, stacklevel=1)
        warnings.warn("building sessions is slow", UserWarning, stacklevel=1)
    """


@pytest.mark.parametrize("spread", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_probes_warning_is_reported_on_its_own_item(project: Project, spread: list[str]) -> None:
    project.pytester.makeini("[pytest]\npythonpath = .\n")
    project.write("conftest.py", CHECKS)
    project.write("noisy_library.py", NOISY)
    # the slow first item reports while the others are probed ahead, on other threads
    project.checklist(checklist_of(
        "{id: slow, title: Slow, check: {wait: {seconds: 1.0}}}",
        "{id: warns, title: Warns, check: {wait: {seconds: 0, warn: 'queue nearly full'}}}",
        "{id: quiet, title: Quiet, check: {wait: {seconds: 0}}}",
        "{id: noisy, title: Noisy, check: {calendarish: {name: x}}}"))
    # a process of its own: the check types it defines stay out of this one's registry
    result = project.run_subprocess("-p", "no:randomly", "-W", "always", *spread)
    result.assert_outcomes(passed=4)
    summary = result.stdout.str().split("warnings summary")[1]
    assert "checks/app.yaml::s::warns\n  " in summary
    assert summary.count("UserWarning: queue nearly full") == 1
    for other in ("::s::slow", "::s::quiet", "::s::noisy"):
        assert other not in summary
    assert "future version" not in summary  # the library's own noise
    assert "sessions is slow" not in summary
