"""Strict YAML reading that keeps where every key and value came from.

The text is composed with PyYAML's C loader where available (libyaml), then
turned into plain Python values by walking the node tree, which lets us:

- keep the line and column of every key and value (``Source.mark``),
- reject duplicate keys (PyYAML silently keeps the last one),
- reject tags (``!!python/object``…), anchors/aliases and merge keys,
- keep mapping keys as the text the user wrote.

Timestamps stay text; numbers, booleans and null follow YAML 1.1 as PyYAML
resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ChecklistError, Problem
from .inputs import position

KeyPath = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where built


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with a faster tag resolver (same results: PyYAML's generic
    resolver re-checks path resolvers and wildcards the safe loader never has)."""

    _implicit = _BaseLoader.yaml_implicit_resolvers

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._implicit.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALARS = {
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
}


@dataclass
class Source:
    """A parsed YAML file: its data and the position of everything in it."""

    path: str
    data: Any
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    full: bool = True  # positions of every value and key, not only of mappings and lists

    def mark(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at ``path`` (or its key), else of
        the nearest enclosing value."""
        if key and path in self.keys:
            return self.keys[path]
        for n in range(len(path), -1, -1):
            found = self.values.get(path[:n])
            if found is not None:
                return found
        return (1, 1)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _tag_problem(path: str, node: yaml.Node, tag: str) -> Problem:
    line, column = _pos(node)
    return Problem(
        path, line, column,
        f"YAML tag {tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed",
        hint="write plain values; tags such as !!python/object are never loaded",
    )


def load(text: str, path: str, *, full: bool = True) -> Source:
    """Parse ``text`` (the file at ``path``, as shown to users) strictly.

    ``full=False`` reads quickly from the parser's events, keeping the positions
    of mappings and lists only (enough to locate items) and never holding the
    whole node tree in memory; anything unusual (a mistake, a tag, an anchor)
    sends the file to the full reading, which locates every problem precisely.
    """
    if not full:
        try:
            return _quick(text, path)
        except (_ReadAgain, yaml.YAMLError):
            pass
    return _full(text, path)


class _ReadAgain(Exception):
    """The quick reading met something only the full reading reports well."""


_KEY_TAGS = (None, "!", _STR)


def _quick(text: str, path: str) -> Source:
    loader = _Loader(text)
    source = Source(path, None, full=False)
    values = source.values
    resolve = loader.resolve
    scalar_node = yaml.ScalarNode
    # frames: the container being filled, its path, and (mappings) the key awaited
    stack: list[tuple[Any, KeyPath]] = []
    key: str | None = None
    try:
        events = iter(loader.get_event, None)
        if not isinstance(next(events), yaml.StreamStartEvent):
            raise _ReadAgain
        event = next(events)
        if isinstance(event, yaml.StreamEndEvent):
            return source
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None:
                    raise _ReadAgain
                top = stack[-1][0] if stack else None
                if type(top) is dict and key is None:
                    if event.tag not in _KEY_TAGS or event.value in top or (
                            event.value == "<<" and event.implicit[0]):
                        raise _ReadAgain
                    key = event.value
                    continue
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(scalar_node, event.value, event.implicit)
                if tag in (_STR, _TIMESTAMP):
                    value: Any = event.value
                else:
                    construct = _SCALARS.get(tag)
                    if construct is None:
                        raise _ReadAgain
                    value = construct(scalar_node(tag, event.value))
                if top is None:
                    source.data = value
                elif type(top) is dict:
                    top[key] = value
                    key = None
                else:
                    top.append(value)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or event.tag not in (None, "!", _MAP, _SEQ):
                    raise _ReadAgain
                container: Any = {} if kind is yaml.MappingStartEvent else []
                if not stack:
                    here: KeyPath = ()
                    source.data = container
                else:
                    parent, parent_path = stack[-1]
                    if type(parent) is dict:
                        if key is None:
                            raise _ReadAgain  # a mapping or list as a key
                        here = (*parent_path, key)
                        parent[key] = container
                        key = None
                    else:
                        here = (*parent_path, len(parent))
                        parent.append(container)
                values[here] = (event.start_mark.line + 1, event.start_mark.column + 1)
                stack.append((container, here))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
            elif kind is yaml.DocumentEndEvent:
                if not isinstance(next(events), yaml.StreamEndEvent):
                    raise _ReadAgain  # a second document
                return source
            else:  # aliases, and anything else
                raise _ReadAgain
    finally:
        loader.dispose()
    raise _ReadAgain


def _reader_position(text: str, exc: yaml.reader.ReaderError) -> tuple[int, int]:
    """Where the character a ReaderError refuses is: libyaml counts UTF-8 bytes, the
    pure-Python reader characters."""
    if exc.encoding == "unicode":
        before = text[:exc.position]
        return before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    return position(text.encode("utf-8"), exc.position)


def _full(text: str, path: str) -> Source:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        lines = [text.splitlines()[n - 1] for n in {line, exc.context_mark.line + 1
                                                     if exc.context_mark else line}
                 if 0 < n <= len(text.splitlines())]
        unquoted = any(re.search(r"(?<![\"'])\$\{", here) for here in lines)
        raise ChecklistError([Problem(
            path, line, column, f"invalid YAML: {what}",
            hint='quote a ${…} inside { } or [ ]: "${release}", as YAML reads { and } there'
            if unquoted and "flow" in what else "fix the YAML syntax")]) from None
    except yaml.reader.ReaderError as exc:
        line, column = _reader_position(text, exc)
        raise ChecklistError([Problem(
            path, line, column, f"invalid YAML: character U+{exc.character:04X} is not "
            "allowed", hint="remove it: YAML allows printable characters, tabs and newlines")
        ]) from None
    except yaml.YAMLError as exc:
        raise ChecklistError([Problem(path, 1, 1, f"invalid YAML: {exc}")]) from None
    source = Source(path, None)
    if root is None:
        return source
    problems: list[Problem] = []
    seen: set[int] = set()

    def walk(node: yaml.Node, here: KeyPath) -> Any:
        if id(node) in seen:
            line, column = _pos(node)
            problems.append(Problem(path, line, column, "YAML aliases (*name) are not allowed",
                                    hint="repeat the value instead of using an anchor"))
            return None
        seen.add(id(node))
        source.values[here] = _pos(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                problems.append(_tag_problem(path, node, node.tag))
                return None
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (
                    _STR, *_SCALARS, _TIMESTAMP
                ):
                    line, column = _pos(key_node)
                    msg = ("merge keys (<<) are not supported" if key_node.tag.endswith(":merge")
                           else "a key must be plain text")
                    problems.append(Problem(path, line, column, msg))
                    continue
                key = key_node.value
                child: KeyPath = (*here, key)
                if key in result:
                    line, column = _pos(key_node)
                    first = source.keys[child]
                    problems.append(Problem(
                        path, line, column, f"duplicate key {key!r}",
                        hint=f"it is already set on line {first[0]}; keep one",
                    ))
                    continue
                source.keys[child] = _pos(key_node)
                result[key] = walk(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                problems.append(_tag_problem(path, node, node.tag))
                return None
            return [walk(child, (*here, i)) for i, child in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag in (_STR, _TIMESTAMP):
            return node.value
        construct = _SCALARS.get(node.tag)
        if construct is None:
            problems.append(_tag_problem(path, node, node.tag))
            return None
        return construct(node)

    source.data = walk(root, ())
    if problems:
        raise ChecklistError(problems)
    return source
