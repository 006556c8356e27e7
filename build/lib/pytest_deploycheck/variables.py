"""``${…}`` in checklists: expansion at collection, resolution at run time.

``${name}`` is a variable of the selected environment (or a shared one, or one an
environment hook returned); ``${release}``, ``${environment}`` and ``${project}`` are
built in. They are filled in at collection (:func:`expand`). ``${env:NAME}`` reads the
process environment when the check runs (:func:`resolve_env`); its value is a secret,
handed to :class:`~pytest_deploycheck.secrets.Secrets`. ``$${…}`` is a literal ``${…}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import fields, is_dataclass, replace
from typing import Any

from .errors import ChecklistError, Problem
from .problems import suggest
from .secrets import Secrets

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
NAME = re.compile(NAME_PATTERN)
_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BUILTIN_VARIABLES = ("project", "release", "environment")

Scalar = str | int | float | bool


def hook_variables(results: Sequence[object], where: str) -> dict[str, Scalar]:
    """The variables the pytest_deploycheck_environment hooks returned (``results``, in
    pluggy's order: the last registered first, so the first registered wins least)."""
    found: dict[str, Scalar] = {}
    for returned in reversed(results):
        found.update(_checked(returned, where))
    return found


def _checked(returned: object, where: str) -> dict[str, Scalar]:
    """What one pytest_deploycheck_environment hook returned, checked."""
    if not isinstance(returned, Mapping):
        raise ChecklistError([Problem(where, 1, 1, f"pytest_deploycheck_environment returned "
                                      f"{type(returned).__name__}, not a mapping of variables")])
    found = {}
    for name, value in returned.items():
        if not isinstance(name, str) or not NAME.match(name) or name in BUILTIN_VARIABLES:
            raise ChecklistError([Problem(where, 1, 1, f"pytest_deploycheck_environment "
                                          f"returned a variable named {name!r}",
                                          hint="names of letters, digits, '_' and '-'; not "
                                               + ", ".join(BUILTIN_VARIABLES))])
        if not isinstance(value, str | int | float | bool):
            raise ChecklistError([Problem(where, 1, 1, f"pytest_deploycheck_environment "
                                          f"returned {name!r} as {type(value).__name__}",
                                          hint="variables are text, numbers or true/false")])
        found[name] = value
    return found


class UnknownVariable(Exception):
    def __init__(self, name: str, hint: str | None) -> None:
        super().__init__(name)
        self.name = name
        self.hint = hint


def expand(text: str, variables: Mapping[str, Scalar]) -> Any:
    """Replace ``${name}`` in ``text`` at collection time.

    ``${env:…}`` and ``$${…}`` are kept for :func:`resolve_env` at run time. A
    text that is exactly one reference takes the variable's own type (so
    ``port: ${port}`` stays a number).
    """
    if "${" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2).startswith("env:"):
            return match.group(0)
        return str(_lookup(match.group(2), variables))

    whole = _REFERENCE.fullmatch(text)
    if whole and not whole.group(1) and not whole.group(2).startswith("env:"):
        return _lookup(whole.group(2), variables)
    return _REFERENCE.sub(one, text)


def expand_all(value: Any, variables: Mapping[str, Scalar]) -> Any:
    """``value`` (a spec, or anything in one) with :func:`expand` applied to every text in
    it; UnknownVariable for the first variable that does not exist."""
    if isinstance(value, str):
        return expand(value, variables)
    return _map(value, lambda v: expand_all(v, variables))


def _lookup(name: str, variables: Mapping[str, Scalar]) -> Scalar:
    name = name.strip()
    if name in variables:
        return variables[name]
    if name == "release":
        raise UnknownVariable(
            name, "no release is set: pass --deploycheck-release VERSION, set "
            "DEPLOYCHECK_RELEASE, or 'release:' in the config")
    candidates = [*variables]
    raise UnknownVariable(
        name, suggest(name, candidates)
        or ("known variables: " + ", ".join(sorted(candidates)) if candidates else None),
    )


def needs_run_time(text: str) -> bool:
    return "${env:" in text or "$${" in text


def mentions_run_time(value: Any) -> bool:
    """Whether a spec (or anything in one) holds ``${env:…}`` or ``$${…}``."""
    if isinstance(value, str):
        return needs_run_time(value)
    if isinstance(value, dict):
        return any(mentions_run_time(v) for v in value.values())
    if isinstance(value, list):
        return any(mentions_run_time(v) for v in value)
    return False


def env_names(value: Any) -> Iterator[str]:
    """The process variables a spec (or anything in one) reads through ``${env:NAME}``."""
    if isinstance(value, str):
        yield from (m.group(2)[4:] for m in _REFERENCE.finditer(value)
                    if not m.group(1) and m.group(2).startswith("env:"))
    elif isinstance(value, dict):
        for v in value.values():
            yield from env_names(v)
    elif isinstance(value, list):
        for v in value:
            yield from env_names(v)


def check_env_references(text: str) -> str | None:
    """A message if an ``${env:…}`` reference in ``text`` is malformed."""
    for match in _REFERENCE.finditer(text):
        if not match.group(1) and match.group(2).startswith("env:"):
            name = match.group(2)[4:]
            if not _ENV_NAME.match(name):
                return f"{match.group(0)!r} does not name an environment variable"
    return None


class MissingEnvironmentVariable(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set")
        self.name = name


def resolve_env(value: Any, environ: Mapping[str, str], secrets: Secrets) -> Any:
    """``value`` (a spec, or anything inside one) with ``${env:NAME}`` replaced by
    the process environment's value and ``$${…}`` by ``${…}``; every value read
    becomes one of ``secrets``."""
    if isinstance(value, str):
        if "${" not in value:
            return value

        def one(match: re.Match[str]) -> str:
            if match.group(1):
                return "${" + match.group(2) + "}"
            name = match.group(2)[4:]
            if name not in environ:
                raise MissingEnvironmentVariable(name)
            secret = environ[name]
            secrets.add(secret)
            return secret

        return _REFERENCE.sub(one, value)
    return _map(value, lambda v: resolve_env(v, environ, secrets))


def _map(value: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: fn(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(fn(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: fn(getattr(value, f.name)) for f in fields(value)
                                 if f.init})
    return value
