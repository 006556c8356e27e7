"""The JSON Schema of the checklist format, for editors (yaml-language-server) and tools.

``deploycheck schema > checklist.schema.json``, then at the top of a checklist::

    # yaml-language-server: $schema=../checklist.schema.json

It is built from the same documents the loader validates with: the checklist, its
sections and items, and one fragment per check type (``check: {TYPE: {…}}``), so it
cannot drift from what collection accepts. Where a number, a boolean or one of a few
words is expected, a ``${variable}`` is accepted too. Collection still checks what a
schema cannot: ids unique, phases and environments known, variables defined.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import TypeAdapter

from .documents import ChecklistDoc, ItemDoc, SectionDoc
from .errors import DeploycheckError
from .registry import REGISTRY

SCHEMA_ID = "https://pytest-deploycheck.invalid/checklist.schema.json"
_VARIABLE = {"type": "string", "pattern": r"\$\{[^}]+\}"}


def _schema(doc: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """``doc``'s schema, its own definitions moved into ``defs``."""
    found = TypeAdapter(doc).json_schema(ref_template="#/$defs/{model}")
    defs.update(found.pop("$defs", {}))
    return found


def _variables_allowed(node: Any) -> Any:
    """``node`` where every number, boolean and fixed choice also takes ``${name}``."""
    if isinstance(node, list):
        return [_variables_allowed(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _variables_allowed(v) if k not in ("enum", "const") else v
            for k, v in node.items()}
    if node.get("type") in ("integer", "number", "boolean") or "enum" in node or "const" in node:
        keep = {k: v for k, v in node.items() if k in ("title", "description", "default")}
        typed = {k: v for k, v in node.items() if k not in keep}
        return {**keep, "anyOf": [typed, _VARIABLE]}
    return node


def check_schemas(defs: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """One ``{TYPE: spec}`` alternative per check type that loads, and those that do not."""
    alternatives, missing = [], []
    for name in REGISTRY.names():
        try:
            check_type = REGISTRY.get(name)
        except (DeploycheckError, ImportError):
            check_type = None
        if check_type is None:
            missing.append(name)
            continue
        spec = check_type.adapter.json_schema(ref_template="#/$defs/{model}")
        defs.update(spec.pop("$defs", {}))
        key = f"check.{name}"
        defs[key] = {**spec, "title": name,
                     "description": check_type.summary or spec.get("description", "")}
        alternatives.append({"type": "object", "title": name,
                             "properties": {name: {"anyOf": [{"$ref": f"#/$defs/{key}"},
                                                             {"type": "null"}]}},
                             "required": [name], "additionalProperties": False})
    return alternatives, missing


def checklist_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a checklist file."""
    defs: dict[str, Any] = {}
    checklist = _schema(ChecklistDoc, defs)
    section = _schema(SectionDoc, defs)
    item = _schema(ItemDoc, defs)
    alternatives, missing = check_schemas(defs)
    item = copy.deepcopy(item)
    item["properties"]["check"] = {
        "description": "automated: exactly one check type"
                       + (f" (not loaded here: {', '.join(missing)})" if missing else ""),
        "oneOf": alternatives}
    item["required"] = ["id", "title"]
    item["oneOf"] = [{"required": ["check"]}, {"required": ["attest"]}]
    section["properties"]["items"] = {"type": "array", "items": {"$ref": "#/$defs/Item"},
                                      "minItems": 1}
    section["required"] = ["id", "title", "items"]
    checklist["properties"]["sections"] = {"type": "array",
                                           "items": {"$ref": "#/$defs/Section"},
                                           "minItems": 1}
    checklist["required"] = ["checklist", "title", "sections"]
    defs.update(Item=item, Section=section)
    schema: dict[str, Any] = _variables_allowed({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **checklist,
        "title": "pytest-deploycheck checklist",
        "description": "A deployment checklist: sections of items, each an automated "
                       "check or a manual sign-off (attest).",
        "$defs": defs,
    })
    return schema
