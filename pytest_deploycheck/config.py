"""The project config (``checks/deploycheck.yaml``), environments, variables
and the redaction of secrets.

Example::

    project: payments
    phases: [predeploy, deploy, postdeploy, rollback]   # the default
    default_environment: staging
    defaults: {timeout: 10s}
    variables: {health_path: /health}                   # shared by every environment
    environments:
      staging:
        variables: {base_url: "https://staging.example.com"}
      production:
        variables: {base_url: "https://example.com"}

In checklists, ``${name}`` is a variable of the selected environment (or a
shared one), ``${release}``, ``${environment}`` and ``${project}`` are built
in, and ``${env:NAME}`` reads the process environment at run time. Values read
through ``${env:…}`` are secrets: they are redacted from every output.
``$${…}`` is a literal ``${…}``.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config

from .errors import ChecklistError, Problem
from .hosts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_SESSIONS,
    Connection,
    HostGroup,
    HostRef,
    HostSpecError,
    host_id,
)
from .model import DEFAULT_PHASES, DEFAULT_TIMEOUT
from .units import Duration
from .validate import field_names, problems_from, suggest
from .yamlsrc import Source, load

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
_NAME = re.compile(NAME_PATTERN)
_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BUILTIN_VARIABLES = ("project", "release", "environment")

Scalar = str | int | float | bool


@with_config(ConfigDict(extra="forbid"))
@dataclass
class HostGroupDoc:
    hosts: list[str] = field(default_factory=list)
    ansible_inventory: str | None = None
    ansible_group: str | None = None
    ssh_config: str | None = None
    identity_file: str | None = None
    connect_timeout: Duration = DEFAULT_CONNECT_TIMEOUT
    sudo: bool = False
    sudo_user: str | None = None
    max_sessions: Annotated[int, Field(ge=1, le=64)] = DEFAULT_SESSIONS


@with_config(ConfigDict(extra="forbid"))
@dataclass
class DefaultsDoc:
    timeout: Duration = DEFAULT_TIMEOUT


@with_config(ConfigDict(extra="forbid"))
@dataclass
class PolicyDoc:
    max_ttl: Duration = 30 * 86400.0
    clock_skew: Duration = 300.0


@with_config(ConfigDict(extra="forbid"))
@dataclass
class EnvironmentDoc:
    description: str = ""
    variables: dict[str, Scalar] = field(default_factory=dict)
    hosts: dict[str, list[str] | HostGroupDoc] = field(default_factory=dict)
    # Whom this environment trusts, instead of the project's (a demo key, a staging team).
    signers: str | None = None
    attestations: str | None = None
    roles: dict[str, list[str]] | None = None
    policy: PolicyDoc | None = None


@with_config(ConfigDict(extra="forbid"))
@dataclass
class ContactDoc:
    role: str
    name: str = ""
    phone: str = ""
    email: str = ""


@with_config(ConfigDict(extra="forbid"))
@dataclass
class ProjectDoc:
    project: str = ""
    release: str | None = None
    phases: list[str] = field(default_factory=lambda: list(DEFAULT_PHASES))
    default_environment: str | None = None
    defaults: DefaultsDoc = field(default_factory=DefaultsDoc)
    variables: dict[str, Scalar] = field(default_factory=dict)
    environments: dict[str, EnvironmentDoc] = field(default_factory=dict)
    signers: str = "checks/allowed_signers"
    attestations: str = "checks/attestations"
    roles: dict[str, list[str]] = field(default_factory=dict)
    waiver_roles: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    policy: PolicyDoc = field(default_factory=PolicyDoc)
    contacts: list[ContactDoc] = field(default_factory=list)


_PROJECT = TypeAdapter(ProjectDoc)
_DOCS: dict[tuple[str, ...], type] = {(): ProjectDoc, ("defaults",): DefaultsDoc,
                                      ("policy",): PolicyDoc}


@dataclass(frozen=True)
class Project:
    """The validated project config."""

    name: str
    phases: tuple[str, ...] = DEFAULT_PHASES
    environments: Mapping[str, Mapping[str, Scalar]] = field(default_factory=dict)
    variables: Mapping[str, Scalar] = field(default_factory=dict)
    hosts: Mapping[str, tuple[HostGroup, ...]] = field(default_factory=dict)  # by environment
    default_environment: str | None = None
    release: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    path: str | None = None
    signers: str = "checks/allowed_signers"
    attestations: str = "checks/attestations"
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    waiver_roles: tuple[str, ...] = ()
    revoked: frozenset[str] = frozenset()
    max_ttl: float = 30 * 86400.0
    clock_skew: float = 300.0
    contacts: tuple[tuple[str, str, str, str], ...] = ()  # (role, name, phone, email)
    # Per environment: the trust settings above that it replaces (signers, roles, ...).
    trust_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def select(self, environment: str | None, release: str | None) -> Settings:
        """The settings of a run in ``environment`` (None: the default)."""
        if environment is None:
            environment = self.default_environment
        if environment is None and len(self.environments) == 1:
            environment = next(iter(self.environments))
        if environment is None:
            if self.environments:
                raise self._error(
                    "no environment selected",
                    "choose one with --deploycheck-env: " + ", ".join(self.environments),
                )
            environment = "default"
        elif self.environments and environment not in self.environments:
            raise self._error(
                f"unknown environment {environment!r}",
                suggest(environment, self.environments)
                or "known environments: " + ", ".join(self.environments),
            )
        variables: dict[str, Scalar] = dict(self.variables)
        variables.update(self.environments.get(environment, {}))
        variables["project"] = self.name
        variables["environment"] = environment
        release = release or self.release
        if release:
            variables["release"] = release
        project = self
        if environment in self.trust_overrides:
            overrides = dict(self.trust_overrides[environment])
            if "roles" in overrides:
                overrides["roles"] = {**self.roles, **overrides["roles"]}
            project = replace(self, **overrides)
        return Settings(project, environment, release, variables,
                        self.hosts.get(environment, ()))

    @property
    def environment_names(self) -> tuple[str, ...]:
        return tuple(self.environments) or ("default",)

    def _error(self, message: str, hint: str | None) -> ChecklistError:
        return ChecklistError([Problem(self.path or "deploycheck.yaml", 1, 1, message, hint=hint)])


@dataclass(frozen=True)
class Settings:
    """What a run uses: the project, the selected environment and its variables."""

    project: Project
    environment: str
    release: str | None
    variables: Mapping[str, Scalar]
    hosts: tuple[HostGroup, ...] = ()  # the environment's host groups


def load_project(path: Path, display: str, default_name: str) -> Project:
    """Read the project config at ``path``; a missing file means the defaults."""
    if not path.is_file():
        return Project(name=default_name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError([Problem(display, 1, 1, f"cannot read the config: {exc}")]) from None
    source = load(text, display)
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        raise ChecklistError([Problem(display, 1, 1, "the config must be a mapping of keys")])
    try:
        doc = _PROJECT.validate_python(data)
    except ValidationError as exc:
        raise ChecklistError(problems_from(exc, source, (), _config_field, _config_keys)) from None
    problems = _check_names(doc, source)
    hosts, host_problems = _host_groups(doc, source)
    problems += host_problems
    if problems:
        raise ChecklistError(problems)
    return Project(
        name=doc.project or default_name,
        phases=tuple(doc.phases),
        environments={name: dict(env.variables) for name, env in doc.environments.items()},
        hosts=hosts,
        variables=dict(doc.variables),
        default_environment=doc.default_environment,
        release=doc.release,
        timeout=doc.defaults.timeout,
        path=display,
        signers=doc.signers,
        attestations=doc.attestations,
        roles={role: tuple(people) for role, people in doc.roles.items()},
        waiver_roles=tuple(doc.waiver_roles),
        revoked=frozenset(doc.revoked),
        max_ttl=doc.policy.max_ttl,
        clock_skew=doc.policy.clock_skew,
        contacts=tuple((c.role, c.name, c.phone, c.email) for c in doc.contacts),
        trust_overrides={name: overrides for name, env in doc.environments.items()
                         if (overrides := _trust_overrides(env))},
    )


def _trust_overrides(env: EnvironmentDoc) -> dict[str, Any]:
    """What an environment replaces of the project's trust: its own allowed_signers,
    attestations, roles (role by role) and time policy."""
    found: dict[str, Any] = {}
    if env.signers is not None:
        found["signers"] = env.signers
    if env.attestations is not None:
        found["attestations"] = env.attestations
    if env.roles is not None:
        found["roles"] = {role: tuple(people) for role, people in env.roles.items()}
    if env.policy is not None:
        found["max_ttl"] = env.policy.max_ttl
        found["clock_skew"] = env.policy.clock_skew
    return found


def _config_field(path: tuple[str | int, ...]) -> tuple[str | None, str]:
    return None, ".".join(str(p) for p in path)


def _config_keys(path: tuple[str | int, ...]) -> list[str]:
    if len(path) == 2 and path[0] == "environments":
        return field_names(EnvironmentDoc)
    if len(path) == 4 and path[0] == "environments" and path[2] == "hosts":
        return field_names(HostGroupDoc)
    if len(path) == 3 and path[0] == "environments" and path[2] == "policy":
        return field_names(PolicyDoc)
    if len(path) == 2 and path[0] == "contacts":
        return field_names(ContactDoc)
    return field_names(_DOCS.get(tuple(str(p) for p in path), ProjectDoc))


def _check_names(doc: ProjectDoc, source: Source) -> list[Problem]:
    problems = []

    def bad(path: tuple[str | int, ...], message: str, hint: str | None, key: bool = False) -> None:
        line, column = source.mark(path, key=key)
        problems.append(Problem(source.path, line, column, message, field=".".join(
            str(p) for p in path), hint=hint))

    if not doc.phases:
        bad(("phases",), "at least one phase is needed", "the default is " + ", ".join(
            DEFAULT_PHASES))
    for n, phase in enumerate(doc.phases):
        if not _NAME.match(phase):
            bad(("phases", n), f"phase {phase!r} is not a valid marker name",
                "use letters, digits, '_' and '-'")
    for name in doc.environments:
        if not _NAME.match(name):
            bad(("environments", name), f"environment name {name!r} is not valid",
                "use letters, digits, '_' and '-'", key=True)
    if doc.default_environment is not None and doc.environments and (
        doc.default_environment not in doc.environments
    ):
        bad(("default_environment",), f"unknown environment {doc.default_environment!r}",
            suggest(doc.default_environment, doc.environments)
            or "known environments: " + ", ".join(doc.environments))
    for scope in [("variables",)] + [("environments", e, "variables") for e in doc.environments]:
        names: Mapping[str, Any] = doc.variables if len(scope) == 1 else (
            doc.environments[str(scope[1])].variables)
        for name in names:
            if name in BUILTIN_VARIABLES:
                bad((*scope, name), f"variable {name!r} is built in and cannot be set here",
                    None, key=True)
    return problems


def _host_groups(doc: ProjectDoc, source: Source) -> tuple[dict[str, tuple[HostGroup, ...]],
                                                           list[Problem]]:
    """Each environment's host groups, every host with its id; or what is wrong."""
    problems = []
    found: dict[str, tuple[HostGroup, ...]] = {}
    for env_name, env in doc.environments.items():
        groups = []
        seen: dict[str, str] = {}
        for group_name, raw in env.hosts.items():
            path: tuple[str | int, ...] = ("environments", env_name, "hosts", group_name)
            group_doc = HostGroupDoc(hosts=raw) if isinstance(raw, list) else raw
            urls_path = path if isinstance(raw, list) else (*path, "hosts")
            if not _NAME.match(group_name):
                line, column = source.mark(path, key=True)
                problems.append(Problem(source.path, line, column,
                                        f"host group name {group_name!r} is not valid",
                                        field=".".join(map(str, path)),
                                        hint="use letters, digits, '_' and '-'"))
            if bool(group_doc.hosts) == bool(group_doc.ansible_inventory):
                line, column = source.mark(path)
                problems.append(Problem(
                    source.path, line, column,
                    f"host group {group_name!r} has no hosts" if not group_doc.hosts else
                    f"host group {group_name!r} has both hosts and an ansible_inventory",
                    field=".".join(map(str, path)),
                    hint="list host URLs such as ssh://deploy@web-1, or give "
                         "ansible_inventory (and ansible_group)"))
            connection = Connection(
                ssh_config=group_doc.ssh_config, identity_file=group_doc.identity_file,
                connect_timeout=group_doc.connect_timeout, sudo=group_doc.sudo,
                sudo_user=group_doc.sudo_user, max_sessions=group_doc.max_sessions)
            refs = []
            for n, url in enumerate(group_doc.hosts):
                line, column = source.mark((*urls_path, n))
                where = ".".join(map(str, (*urls_path, n)))
                try:
                    ident = host_id(url)
                except HostSpecError as exc:
                    problems.append(Problem(source.path, line, column, str(exc), field=where))
                    continue
                if ident in seen:
                    problems.append(Problem(
                        source.path, line, column,
                        f"host {ident!r} is already in group {seen[ident]!r} of environment "
                        f"{env_name!r}", field=where,
                        hint="a host belongs to one group; items may name several groups "
                             "with 'on: [a, b]'"))
                    continue
                seen[ident] = group_name
                refs.append(HostRef(ident, url, group_name, connection))
            ansible = None
            if group_doc.ansible_inventory:
                ansible = (group_doc.ansible_inventory, group_doc.ansible_group or group_name)
            groups.append(HostGroup(group_name, tuple(refs), connection, ansible))
        found[env_name] = tuple(groups)
    return found, problems


# -- variables ---------------------------------------------------------------


def hook_variables(returned: object, where: str) -> dict[str, Scalar]:
    """What a pytest_deploycheck_environment hook returned, checked."""
    if not isinstance(returned, Mapping):
        raise ChecklistError([Problem(where, 1, 1, f"pytest_deploycheck_environment returned "
                                      f"{type(returned).__name__}, not a mapping of variables")])
    found = {}
    for name, value in returned.items():
        if not isinstance(name, str) or not _NAME.match(name) or name in BUILTIN_VARIABLES:
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


def env_names(text: str) -> list[str]:
    """The process variables ``text`` reads through ``${env:NAME}``."""
    return [m.group(2)[4:] for m in _REFERENCE.finditer(text)
            if not m.group(1) and m.group(2).startswith("env:")]


def needs_run_time(text: str) -> bool:
    return "${env:" in text or "$${" in text


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


class Secrets:
    """Values read through ``${env:…}``; :meth:`redact` hides them in any text.

    Values of fewer than 6 characters are masked where they stand as a word of
    their own, so that a short value (``x``, ``dev``) does not garble every
    message that happens to contain those letters.
    """

    MASK = "•••"
    SHORT = 6

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if not value:
            return
        forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            parts = [
                re.escape(v) if len(v) >= self.SHORT
                else rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])"
                for v in sorted(self._values, key=len, reverse=True)
            ]
            self._pattern = re.compile("|".join(parts))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(self.MASK, text) if pattern is not None else text

    def __bool__(self) -> bool:
        return self._pattern is not None


def resolve_env(value: Any, environ: Mapping[str, str], secrets: Secrets) -> Any:
    """``value`` (a spec, or anything inside one) with ``${env:NAME}`` replaced by
    the process environment's value and ``$${…}`` by ``${…}``."""
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
