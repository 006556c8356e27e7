from __future__ import annotations

import pytest

from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.yamlsrc import load


def test_values_and_keys_keep_their_positions() -> None:
    source = load("a: 1\nb:\n  - x\n  - {c: d}\n", "f.yaml")
    assert source.data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert source.mark(("b", 1, "c")) == (4, 9)
    assert source.mark(("b", 1, "c"), key=True) == (4, 6)
    assert source.mark(("b", 1, "missing")) == (4, 5)


def test_dates_stay_text() -> None:
    assert load("when: 2026-01-09\n", "f.yaml").data == {"when": "2026-01-09"}


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\na: 2\n", "f.yaml:2:1: duplicate key 'a'"),
    ("a: &x 1\nb: *x\n", "YAML aliases (*name) are not allowed"),
    ("a: !!python/object:os.system x\n", "YAML tag '!!python/object:os.system' is not allowed"),
    ("a: !custom x\n", "YAML tag '!custom' is not allowed"),
    ("<<: {a: 1}\n", "merge keys (<<) are not supported"),
    ("a: 1\n---\nb: 2\n", "expected a single document"),
    ("? [a]\n: 1\n", "a key must be plain text"),
])
def test_unsafe_or_ambiguous_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(ChecklistError, match=message.replace("*", r"\*").replace("(", r"\(")
                       .replace(")", r"\)").replace("[", r"\[")):
        load(text, "f.yaml")
