"""The project config (``checks/deploycheck.yaml``), its environments, and the settings
of a run: which environment, release and commit, each from the first place that sets it.

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

Settings precedence, the same for ``pytest`` and ``deploycheck``: the command-line option,
then the process variable (``DEPLOYCHECK_ENV``, ``DEPLOYCHECK_RELEASE``,
``DEPLOYCHECK_COMMIT``), then the ini option, then the config (``default_environment``,
``release``), then — for the release — ``git describe --tags`` of the project.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, TypeAdapter, ValidationError, with_config
from pydantic_core import PydanticCustomError

from . import inputs
from .errors import ChecklistError, Problem
from .hosts.groups import HostGroup, HostGroupDoc, groups_of
from .model import DEFAULT_PHASES, DEFAULT_TIMEOUT
from .problems import field_names, problems_from, suggest
from .units import Duration, Timeout
from .variables import BUILTIN_VARIABLES, NAME, Scalar
from .yamlsrc import KeyPath, Source, load

RELEASE_ENV = "DEPLOYCHECK_RELEASE"
ENVIRONMENT_ENV = "DEPLOYCHECK_ENV"
COMMIT_ENV = "DEPLOYCHECK_COMMIT"
DEPLOYED_ENV = "DEPLOYCHECK_DEPLOYED_AT"
DEFAULT_CONFIG = "checks/deploycheck.yaml"


@with_config(ConfigDict(extra="forbid"))
@dataclass
class DefaultsDoc:
    timeout: Timeout = DEFAULT_TIMEOUT


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


def _revocation(value: str) -> str:
    """A revoked key, as its ``SHA256:…`` fingerprint (see :func:`.attest.signers.revocation`;
    loaded only for a config that revokes keys)."""
    from .attest.signers import revocation

    try:
        return revocation(value)
    except ValueError as exc:
        raise PydanticCustomError("deploycheck_invalid", str(exc)) from None


Revocation = Annotated[str, AfterValidator(_revocation)]


def _link_template(value: str) -> str:
    if value.count("{}") != 1 or not value.startswith(("https://", "http://")):
        raise PydanticCustomError("deploycheck_invalid", "a link template is an http(s) URL "
                                  "with one {} where the value goes, such as "
                                  "https://jira.example.com/browse/{}")
    return value


def _link_name(value: str) -> str:
    if not value.replace("-", "").replace("_", "").isalnum() or value in ("title", "url"):
        raise PydanticCustomError("deploycheck_invalid", "a link template's name is a word "
                                  "(letters, digits, '-', '_'), not 'title' or 'url'")
    return value


LinkTemplate = Annotated[str, AfterValidator(_link_template)]
LinkName = Annotated[str, AfterValidator(_link_name)]


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
    revoked: list[Revocation] = field(default_factory=list)
    policy: PolicyDoc = field(default_factory=PolicyDoc)
    contacts: list[ContactDoc] = field(default_factory=list)
    link_templates: dict[LinkName, LinkTemplate] = field(default_factory=dict)


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
    # an item's ``links: [{ticket: OPS-12}]`` → https://jira…/browse/OPS-12
    link_templates: Mapping[str, str] = field(default_factory=dict)
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
    """What a run uses: the project, the selected environment and its variables, the
    release and the deployed commit, and where its sign-offs are read from."""

    project: Project
    environment: str
    release: str | None
    variables: Mapping[str, Scalar]
    hosts: tuple[HostGroup, ...] = ()  # the environment's host groups
    commit: str | None = None  # the deployed commit or artifact digest sign-offs must name
    attestations: Path | None = None  # a file or directory named on the command line
    deployed_at: str | None = None  # when the release was deployed (ISO time, Unix seconds)

    def with_variables(self, found: Mapping[str, Scalar]) -> Settings:
        """These settings with ``found`` (an environment hook's) over the config's."""
        return replace(self, variables={**self.variables, **found}) if found else self


@dataclass(frozen=True)
class Requested:
    """What a run asks for, before the config's defaults apply."""

    environment: str | None = None
    release: str | None = None
    commit: str | None = None
    attestations: str | None = None
    deployed_at: str | None = None

    @classmethod
    def asked(cls, getoption: Callable[[str], str | None], environ: Mapping[str, str],
              ini: Mapping[str, str]) -> Requested:
        """:meth:`first_set` for a ``pytest`` run: its options read with ``getoption``
        (pytest's, by dest)."""
        return cls.first_set({name: getoption(f"deploycheck_{option}") for name, option in (
            ("environment", "env"), ("release", "release"), ("commit", "commit"),
            ("attestations", "attestations"), ("deployed_at", "deployed_at"))}, environ, ini)

    @classmethod
    def first_set(cls, options: Mapping[str, str | None], environ: Mapping[str, str],
                  ini: Mapping[str, str]) -> Requested:
        """Each setting from the first place that sets it: the option (``options`` by
        setting name), the process variable, the ini option."""
        return cls(
            environment=options.get("environment") or environ.get(ENVIRONMENT_ENV)
            or ini.get("deploycheck_env") or None,
            release=options.get("release") or environ.get(RELEASE_ENV)
            or ini.get("deploycheck_release") or None,
            commit=options.get("commit") or environ.get(COMMIT_ENV) or None,
            attestations=options.get("attestations") or None,
            deployed_at=options.get("deployed_at") or environ.get(DEPLOYED_ENV) or None)


def settings_for(project: Project, requested: Requested, rootdir: Path) -> Settings:
    """The settings of a run of ``project`` (ChecklistError for an unknown environment)."""
    release = requested.release or project.release or git_describe(rootdir)
    settings = project.select(requested.environment, release)
    attestations = Path(requested.attestations) if requested.attestations else None
    return replace(settings, commit=requested.commit, attestations=attestations,
                   deployed_at=requested.deployed_at)


def git_describe(rootdir: Path) -> str | None:
    """The release as ``git describe --tags`` names it, if the project is a git
    checkout with a tag (the last resort after the option and the config)."""
    try:
        done = subprocess.run(["git", "describe", "--tags"], cwd=rootdir, capture_output=True,
                              text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    name = done.stdout.strip()
    return name if done.returncode == 0 and name else None


def load_project(path: Path, display: str, default_name: str) -> Project:
    """Read the project config at ``path``; a missing file means the defaults."""
    if not (path.exists() or path.is_symlink()):
        return Project(name=default_name)
    try:
        text = inputs.read_text(path)
    except inputs.Unreadable as exc:
        raise ChecklistError([Problem(display, exc.line, exc.column,
                                      f"cannot read the config: {exc.reason}")]) from None
    source = load(text, display)
    data = source.data if source.data is not None else {}
    if not isinstance(data, dict):
        raise ChecklistError([Problem(display, 1, 1, "the config must be a mapping of keys")])
    try:
        doc = _PROJECT.validate_python(data)
    except ValidationError as exc:
        raise ChecklistError(problems_from(exc, source, (), _config_field, _config_keys)) from None
    problems = _check_names(doc, source)
    hosts, host_problems = groups_of({n: e.hosts for n, e in doc.environments.items()}, source)
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
        link_templates=dict(doc.link_templates),
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


def _config_field(path: KeyPath) -> tuple[str | None, str]:
    return None, ".".join(str(p) for p in path)


def _config_keys(path: KeyPath) -> list[str]:
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

    def bad(path: KeyPath, message: str, hint: str | None, key: bool = False) -> None:
        line, column = source.mark(path, key=key)
        problems.append(Problem(source.path, line, column, message, field=".".join(
            str(p) for p in path), hint=hint))

    if not doc.phases:
        bad(("phases",), "at least one phase is needed", "the default is " + ", ".join(
            DEFAULT_PHASES))
    for n, phase in enumerate(doc.phases):
        if not NAME.match(phase):
            bad(("phases", n), f"phase {phase!r} is not a valid marker name",
                "use letters, digits, '_' and '-'")
    for name in doc.environments:
        if not NAME.match(name):
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
