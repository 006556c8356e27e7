"""Where a mistake is and how to say it: pydantic validation errors turned into
located, human problems, and the item and field a data path points into.

Pydantic reports an error at a ``loc`` path that mixes data keys with union
branch names; we follow the path through the data to find what the user
wrote, where, and say what was expected in YAML words.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from pydantic import ValidationError

from .errors import Problem
from .yamlsrc import KeyPath, Source

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "dataclass_type": "a mapping",
    "dataclass_args_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

_BOUNDS = {
    "greater_than_equal": "a number of at least {ge}",
    "greater_than": "a number above {gt}",
    "less_than_equal": "a number of at most {le}",
    "less_than": "a number below {lt}",
    "too_short": "at least {min_length} entries",
    "too_long": "at most {max_length} entries",
}

# where an item starts, for naming "item 'x'" in messages: (path, field path)
ItemLocator = Callable[[KeyPath], tuple[str | None, str]]


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest choice, if one is close."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6) or [
        o for o in options if word and (o.startswith(word) or word.startswith(o))][:1]
    return f"did you mean {close[0]!r}?" if close else None


def describe(value: Any) -> str:
    """A YAML-flavoured description of a value found in the file."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"{shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def field_names(spec: Any) -> list[str]:
    return [f.name for f in fields(spec)] if is_dataclass(spec) else []


def _follow(data: Any, loc: Sequence[str | int]) -> KeyPath:
    """The data path ``loc`` names, skipping union branch names not in the data."""
    here: list[str | int] = []
    node = data
    for part in loc:
        inside = (part in node) if isinstance(node, dict) else (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if inside:
            node = node[part]
            here.append(part)
    return tuple(here)


def problems_from(
    exc: ValidationError,
    source: Source,
    base: KeyPath,
    locate: ItemLocator,
    known_keys: Callable[[KeyPath], list[str]],
) -> list[Problem]:
    """Problems for every error in ``exc``, raised validating the data at ``base``."""
    grouped: dict[tuple[KeyPath, str], list[dict[str, Any]]] = {}
    data = source_at(source, base)
    for error in exc.errors():
        path = _follow(data, error["loc"])
        missing = str(error["loc"][-1]) if error["type"] == "missing" else ""
        grouped.setdefault((base + path, missing), []).append(dict(error))
    # a union reports each branch: keep the branch that got deepest into the data
    deepest = [p for p, m in grouped if not m]
    for path, missing in list(grouped):
        if not missing and any(len(o) > len(path) and o[: len(path)] == path for o in deepest):
            del grouped[(path, missing)]
    problems = []
    for (path, missing), errors in grouped.items():
        item, field = locate(path)
        first = errors[0]
        kind = first["type"]
        if kind in ("unexpected_keyword_argument", "extra_forbidden"):
            word = str(path[-1])
            problems.append(_problem(
                source, path, item, field, f"unknown key {word!r}",
                suggest(word, known_keys(path[:-1]))
                or "known keys: " + ", ".join(known_keys(path[:-1])),
                key=True,
            ))
        elif missing:
            name = missing
            sub = f"{field}.{name}" if field else name
            problems.append(_problem(
                source, path, item, sub, f"missing required key {name!r}", None,
            ))
        else:
            value = first.get("input")
            wanted = []
            for e in errors:
                if e["type"] == "literal_error":
                    wanted.append("one of " + e["ctx"]["expected"])
                elif e["type"] == "deploycheck_invalid":
                    problems.append(_problem(source, path, item, field, e["msg"], None))
                    break
                elif e["type"] in _BOUNDS:
                    wanted.append(_BOUNDS[e["type"]].format(**e.get("ctx", {})))
                elif e["type"] == "deploycheck_expected":
                    wanted.append(e["msg"])
                elif e["type"] in _EXPECTED:
                    wanted.append(_EXPECTED[e["type"]])
                else:
                    wanted.append(e["msg"][0].lower() + e["msg"][1:])
            else:
                unique = list(dict.fromkeys(wanted))
                problems.append(_type_problem(source, path, item, field, value, unique))
    return problems


def _type_problem(
    source: Source, path: KeyPath, item: str | None, field: str, value: Any, wanted: list[str]
) -> Problem:
    hint = None
    if isinstance(value, str) and "${env:" in value:
        hint = "${env:…} is read at run time and can only be used in text fields"
    elif isinstance(value, bool | int | float) and "text" in wanted:
        hint = "quote it to make it text"
    return _problem(
        source, path, item, field, f"expected {' or '.join(wanted)}, got {describe(value)}", hint
    )


def source_at(source: Source, base: KeyPath) -> Any:
    node = source.data
    for part in base:
        node = node[part]
    return node


def _problem(
    source: Source, path: KeyPath, item: str | None, field: str, message: str,
    hint: str | None, *, key: bool = False,
) -> Problem:
    line, column = source.mark(path, key=key)
    return Problem(source.path, line, column, message, item=item, field=field or None, hint=hint)


class Locator:
    """Names the item and field a data path of a checklist points into."""

    def __init__(self, source: Source) -> None:
        self.data = source.data

    def __call__(self, path: KeyPath) -> tuple[str | None, str]:
        if len(path) >= 4 and path[0] == "sections" and path[2] == "items":
            item = self.get(path[:4])
            label = item.get("id") if isinstance(item, dict) else None
            if not isinstance(label, str) or not label:
                label = f"#{int(path[3]) + 1} of section {self._section(path)}"
            return label, dotted(path[4:])
        if len(path) >= 2 and path[0] == "sections":
            return None, f"sections[{self._section(path)}]" + (
                "." + dotted(path[2:]) if len(path) > 2 else "")
        return None, dotted(path)

    def _section(self, path: KeyPath) -> str:
        section = self.get(path[:2])
        sid = section.get("id") if isinstance(section, dict) else None
        return sid if isinstance(sid, str) and sid else f"#{int(path[1]) + 1}"

    def get(self, path: KeyPath) -> Any:
        """The data at ``path``, or None."""
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node


def dotted(path: KeyPath) -> str:
    """``sections[2].items`` style for a data path."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def spec_keys(spec: type, depth: int = 6) -> Callable[[KeyPath], list[str]]:
    """The known keys at a path inside a check's spec (for "did you mean"); the spec
    starts ``depth`` keys deep (in a checklist, below ``sections[i].items[j].check.TYPE``)."""

    def keys(path: KeyPath) -> list[str]:
        current: Any = spec
        for part in path[depth:]:
            if isinstance(part, int) or not is_dataclass(current):
                continue
            current = _dataclass_in(typing.get_type_hints(current).get(part))
        return field_names(current) if is_dataclass(current) else []

    return keys


def _dataclass_in(hint: Any) -> Any:
    if is_dataclass(hint):
        return hint
    for arg in typing.get_args(hint):
        found = _dataclass_in(arg)
        if found is not None:
            return found
    return None


def merged(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` in file order, with the same missing field of many items said once:
    13 items without a phase are one mistake ("set 'phase' on the checklist"), not 13."""
    ordered = sorted(problems, key=lambda p: (p.line, p.column))
    phaseless = [p for p in ordered if p.message == "no phase"]
    if len(phaseless) < 2:
        return ordered
    first = phaseless[0]
    one = Problem(first.path, first.line, first.column,
                  f"{len(phaseless)} items have no phase (the first: {first.item!r})",
                  field="phase", hint=first.hint)
    return sorted([one, *(p for p in ordered if p.message != "no phase")],
                  key=lambda p: (p.line, p.column))
