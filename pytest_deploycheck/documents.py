"""The checklist document: what a checklist file may say, key by key.

One schema for everyone who reads checklists: the loader validates with these
documents, ``deploycheck schema`` turns them into JSON Schema, so the two cannot drift.
A check's own keys are its check type's spec (see :mod:`.registry`).
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, with_config
from pydantic_core import PydanticCustomError

from .model import SEVERITIES
from .problems import field_names
from .units import Timeout
from .yamlsrc import KeyPath

# a checklist is a YAML file with a top-level ``checklist:`` key
CHECKLIST_KEY = re.compile(r"^checklist\s*:", re.MULTILINE)
ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
_ID = re.compile(ID_PATTERN)
_TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# markers pytest gives meaning to, and words of -m / -k expressions
RESERVED_TAGS = frozenset({
    "skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings",
    "tryfirst", "trylast", "and", "or", "not", "True", "False", "None",
    "automated", "manual",
})


def is_checklist(text: str) -> bool:
    """Cheap test: could ``text`` be a checklist (a top-level ``checklist:`` key)?"""
    return CHECKLIST_KEY.search(text) is not None


def _valid_id(value: str) -> str:
    if not _ID.match(value):
        raise PydanticCustomError(
            "deploycheck_expected",
            "an id of letters, digits, '-', '_' and '.' (no spaces, '::', '@' or '[')",
        )
    return value


def _valid_tag(value: str) -> str:
    if not _TAG.match(value):
        raise PydanticCustomError(
            "deploycheck_expected", "a tag of letters, digits, '_' and '-', starting with a letter"
        )
    if value in RESERVED_TAGS:
        raise PydanticCustomError(
            "deploycheck_invalid", f"tag {value!r} is reserved (pytest or deploycheck uses it)"
        )
    return value


Id = Annotated[str, AfterValidator(_valid_id)]
Tag = Annotated[str, AfterValidator(_valid_tag)]
Severity = Literal["low", "medium", "high", "critical"]
assert typing.get_args(Severity) == SEVERITIES


@with_config(ConfigDict(extra="forbid"))
@dataclass
class RetryDoc:
    timeout: Timeout
    interval: Timeout = 2.0


@with_config(ConfigDict(extra="forbid"))
@dataclass
class HoldDoc:
    """``hold: {for: 30m, every: 1m, failure_limit: 0}``: the check runs every ``every``
    (default: a tenth of the window) for ``for`` (at most ``1d``)."""

    window: Annotated[Timeout, Field(alias="for")]
    every: Timeout | None = None
    failure_limit: Annotated[int, Field(ge=0)] = 0

    def __post_init__(self) -> None:
        if self.every is not None and self.every > self.window:
            raise PydanticCustomError("deploycheck_invalid", "'every' is longer than the "
                                      "window ('for'): the check would run once")


HOLD_KEYS = ["for", "every", "failure_limit"]


@with_config(ConfigDict(extra="forbid"))
@dataclass
class AttestDoc:
    """``roles`` (any of them) with a ``quorum``, or ``require``: a count per role, every
    place filled by a different person (``{qa-lead: 1, sre-lead: 1}``: four eyes)."""

    roles: Annotated[list[str], Field(min_length=1)] | None = None
    quorum: Annotated[int, Field(ge=1)] = 1
    require: Annotated[dict[str, Annotated[int, Field(ge=1)]], Field(min_length=1)] | None = None

    def __post_init__(self) -> None:
        if (self.roles is None) == (self.require is None):
            raise PydanticCustomError(
                "deploycheck_invalid", "give 'roles' (and a 'quorum') or 'require' (a count "
                "per role), not both")
        if self.require is not None and self.quorum != 1:
            raise PydanticCustomError(
                "deploycheck_invalid", "'quorum' goes with 'roles'; with 'require', its "
                "counts say how many approvals each role gives")

    @property
    def named(self) -> list[str]:
        """Every role the item names."""
        return list(self.require) if self.require is not None else list(self.roles or ())


@with_config(ConfigDict(extra="forbid"))
@dataclass
class ScopeDoc:
    """``only_in`` / ``except_in`` with the reason shown where the item does not apply."""

    environments: list[str]
    reason: str = ""


@with_config(ConfigDict(extra="forbid"))
@dataclass
class Inherited:
    """Keys a checklist and a section pass down to their items."""

    phase: str | None = None
    tags: list[Tag] = field(default_factory=list)
    severity: Severity | None = None
    owner: str | None = None
    only_in: list[str] | ScopeDoc | None = None
    except_in: list[str] | ScopeDoc = field(default_factory=list)
    timeout: Timeout | None = None
    on: str | list[str] | None = None  # host groups: the item runs on each of their hosts


@with_config(ConfigDict(extra="forbid"))
@dataclass
class ItemDoc(Inherited):
    id: Id = ""
    title: str = ""
    description: str = ""
    retry: RetryDoc | None = None
    hold: HoldDoc | None = None
    check: dict[str, Any] | None = None
    attest: AttestDoc | None = None
    # ``{title: Runbook, url: https://…}``, or ``{ticket: OPS-12}``: a link template of the
    # project config (``link_templates: {ticket: https://jira…/browse/{}}``)
    links: list[Annotated[dict[str, str], Field(min_length=1)]] = field(default_factory=list)


@with_config(ConfigDict(extra="forbid"))
@dataclass
class SectionDoc(Inherited):
    id: Id = ""
    title: str = ""
    description: str = ""
    ordered: bool = False
    items: list[dict[str, Any]] = field(default_factory=list)


@with_config(ConfigDict(extra="forbid"))
@dataclass
class ChecklistDoc(Inherited):
    checklist: Id = ""
    title: str = ""
    description: str = ""
    sections: list[dict[str, Any]] = field(default_factory=list)


# keys that must be there and not empty
REQUIRED = {ChecklistDoc: ("checklist", "title", "sections"), SectionDoc: ("id", "title", "items"),
            ItemDoc: ("id", "title")}
ADAPTERS: dict[type, TypeAdapter[Any]] = {
    doc: TypeAdapter(doc) for doc in (ChecklistDoc, SectionDoc, ItemDoc)
}


def doc_keys(path: KeyPath) -> list[str]:
    """The keys a checklist document allows at ``path`` (for "did you mean")."""
    shape = [p if isinstance(p, str) else 0 for p in path]
    if shape[-1:] == ["retry"]:
        return field_names(RetryDoc)
    if shape[-1:] == ["attest"]:
        return field_names(AttestDoc)
    if shape[-1:] == ["hold"]:
        return HOLD_KEYS
    if shape[-1:] in (["only_in"], ["except_in"]):
        return field_names(ScopeDoc)
    return field_names({0: ChecklistDoc, 2: SectionDoc, 4: ItemDoc}.get(len(path), ItemDoc))


def environments(scope: list[str] | ScopeDoc) -> list[str]:
    return scope.environments if isinstance(scope, ScopeDoc) else scope


def reason(scope: list[str] | ScopeDoc) -> str:
    return scope.reason if isinstance(scope, ScopeDoc) else ""
