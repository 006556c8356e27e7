"""Run one check the way a checklist item would, from plain Python — for unit tests of
your own check types, and of how a built-in type judges your system::

    from pytest_deploycheck import testing

    result = testing.run_check("file", {"path": "CHANGELOG.md", "contains": "## [1.4.0]"})
    assert result.passed, result.message
    print(result.evidence)          # {'path': '…/CHANGELOG.md', 'size': '3.1 kB', …}

The spec is validated as at collection (a mistake raises :class:`ChecklistError`
naming the field, with a suggestion); ``${env:NAME}`` in it is read from ``environ`` and
masked in the result. Nothing here imports pytest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ChecklistError, DeploycheckError, Problem
from .hosts.groups import Connection, HostRef, HostSpecError, host_id
from .hosts.targets import Targets
from .model import DEFAULT_TIMEOUT, CheckCall, Result
from .probe_warnings import raise_again
from .problems import dotted, problems_from, spec_keys, suggest
from .registry import REGISTRY, preload
from .runner import RunContext
from .runner import run_check as _run
from .secrets import Secrets
from .variables import Scalar, UnknownVariable, env_names, expand_all, mentions_run_time
from .yamlsrc import Source

__all__ = ["Result", "run_check"]


def run_check(type_name: str, spec: Mapping[str, Any] | None = None, *,
              root: str | os.PathLike[str] | None = None,
              environ: Mapping[str, str] | None = None, host: str | None = None,
              release: str | None = None, environment: str = "test",
              variables: Mapping[str, Scalar] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Run the check ``type_name`` with ``spec`` (the mapping a checklist writes under
    ``check: {TYPE: …}``) and return what it found: ``.passed``, ``.message`` (expected
    and found, in one line) and ``.evidence``.

    ``root`` is the project root relative paths start at (default: the current
    directory); ``environ`` the process environment the check reads (default: this
    process's); ``host`` a testinfra host URL (``local://``, ``ssh://user@web-1``) for a
    type that runs on hosts; ``release`` and ``environment`` what the run would say;
    ``variables`` what ``${name}`` in the spec stands for (``${release}`` and
    ``${environment}`` are built in); ``timeout`` the seconds the check may take.
    """
    check_type = REGISTRY.get(type_name)
    if check_type is None:
        hint = suggest(type_name, REGISTRY.names())
        raise DeploycheckError(f"unknown check type {type_name!r}" + (f" — {hint}" if hint
                               else "") + f"; known: {', '.join(REGISTRY.names())}")
    where = f"check {type_name}"
    known: dict[str, Scalar] = {"environment": environment, **(variables or {})}
    if release:
        known["release"] = release
    try:
        params = expand_all(dict(spec or {}), known)
    except UnknownVariable as exc:
        raise ChecklistError([Problem(where, 0, 0, f"unknown variable ${{{exc.name}}}",
                                      hint=exc.hint)]) from None
    try:
        validated = check_type.adapter.validate_python(params)
    except ValidationError as exc:
        found = problems_from(exc, Source(where, params), (), lambda p: (None, dotted(p)),
                              spec_keys(check_type.spec, depth=0))
        raise ChecklistError([replace(p, line=0, column=0) for p in found]) from None
    target = None
    if host is not None:
        if not check_type.on_hosts:
            raise DeploycheckError(f"check type {type_name!r} cannot run on a host")
        try:
            target = HostRef(host_id(host), host, "", Connection())
        except HostSpecError as exc:
            raise ChecklistError([Problem(where, 0, 0, str(exc), field="host")]) from None
    uses_env = mentions_run_time(params)
    call = CheckCall(type_name, validated, check_type.only_reads(validated), uses_env,
                     tuple(sorted(set(env_names(params)))))
    preload([(type_name, validated)])  # as a run does: imports before the clock starts
    environ = os.environ if environ is None else environ
    secrets = Secrets()
    secrets.learn(call.env_names, environ)
    targets = Targets(None if environ is os.environ else environ)
    context = RunContext(Path(root) if root is not None else Path.cwd(), environment,
                         release, secrets, environ, targets)
    try:
        result = _run(call, context, timeout=timeout, host=target)
    finally:
        targets.close()
    raise_again(result.warnings, secrets.redact)  # here, as an item raises them in its turn
    return secrets.redact_result(result)
