"""Throwaway projects for pytester: checklists under checks/, a config, and how to run
pytest on them; one-item checklists written the way users write them."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


class Project:
    """A throwaway project for pytester: checklists under checks/, a config."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        pytester.makeini("[pytest]\n")
        (pytester.path / "checks").mkdir()

    @property
    def path(self) -> Path:
        return self.pytester.path

    def config(self, text: str) -> Path:
        return self.write("checks/deploycheck.yaml", text)

    def checklist(self, text: str, name: str = "app") -> Path:
        return self.write(f"checks/{name}.yaml", text)

    def write(self, relative: str, text: str) -> Path:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest("-p", "no:randomly", *args)

    def run_check(self, check: str, *args: str, extra: str = "") -> pytest.RunResult:
        """Write a checklist of one item with ``check``, run it with ``-rA``, and make
        sure no traceback reached the user."""
        self.checklist(one_item(check, extra=extra))
        result = self.run("-rA", *args)
        assert_clean(result)
        return result

    def run_subprocess(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess(*args)


def one_item(check: str, *, extra: str = "", phase: str = "predeploy") -> str:
    """A checklist with one automated item whose check is ``check`` (YAML flow)."""
    return f"""
        checklist: app
        title: App
        phase: {phase}
        sections:
          - id: main
            title: Main
            items:
              - id: probe
                title: The probe
                check: {check}
                {extra}
        """


def checklist_of(*items: str, checklist: str = "app", phase: str = "predeploy") -> str:
    """A checklist with one section holding ``items``, each a YAML flow mapping."""
    lines = "\n".join(f"              - {item}" for item in items)
    return f"""
        checklist: {checklist}
        title: {checklist.title()}
        phase: {phase}
        sections:
          - id: s
            title: S
            items:
{lines}
        """


def assert_clean(result: pytest.RunResult) -> None:
    """No traceback and no INTERNALERROR reached the user."""
    text = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in text
    assert "INTERNALERROR" not in text
