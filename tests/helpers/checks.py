"""Unit tests of check types: one check run the way an item runs it, through the public
``testing.run_check``, no pytest run in between."""

from __future__ import annotations

import fnmatch
from typing import Any

from pytest_deploycheck.model import Result
from pytest_deploycheck.testing import run_check


def passes(type_name: str, spec: dict[str, Any], **options: Any) -> Result:
    """Run the check; it must pass. The result, for its evidence."""
    result = run_check(type_name, spec, **options)
    assert result.passed, f"expected {type_name} to pass, it failed: {result.message}"
    return result


def _matches(text: str, pattern: str) -> bool:
    """fnmatch with ``*`` and ``?``, ``[`` taken literally (versions in brackets)."""
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))


def fails(type_name: str, spec: dict[str, Any], pattern: str, **options: Any) -> Result:
    """Run the check; it must fail with one line matching ``pattern`` (fnmatch)."""
    result = run_check(type_name, spec, **options)
    assert not result.passed, f"expected {type_name} to fail, it passed: {result.evidence}"
    assert "\n" not in result.message, result.message
    assert "Traceback" not in result.message, result.message
    assert _matches(result.message, pattern), (
        f"the message {result.message!r} does not match {pattern!r}")
    return result


def shows(found: Result, /, **expected: str) -> None:
    """Each evidence value matches its pattern (fnmatch on the text)."""
    for key, pattern in expected.items():
        name = key.replace("_", " ")
        assert name in found.evidence, f"no {name!r} in the evidence {found.evidence}"
        assert _matches(str(found.evidence[name]), pattern), (
            f"{name}: {found.evidence[name]!r} does not match {pattern!r}")
