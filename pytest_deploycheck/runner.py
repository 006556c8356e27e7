"""Running one item's check: run-time variables, timeouts, polling, evidence.

Plain code, no pytest: :func:`run_check` takes an item and returns a
:class:`~pytest_deploycheck.model.Result`.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import MissingEnvironmentVariable, Secrets, resolve_env
from .errors import CheckFailed, EvidenceValue
from .model import Item, Outcome, Result
from .registry import REGISTRY, CheckContext
from .units import format_duration


@dataclass
class RunContext:
    """What every check of one run shares."""

    rootdir: Path
    environment: str
    release: str | None = None
    secrets: Secrets = field(default_factory=Secrets)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)


def _plain(value: object) -> EvidenceValue:
    return value if isinstance(value, str | int | float | bool) else str(value)


def run_check(item: Item, run: RunContext) -> Result:
    """Run ``item``'s check, polling per its ``retry``, and say what was found."""
    assert item.check is not None, "manual items have no check to run"
    started = time.monotonic()
    check_type = REGISTRY.get(item.check.type)
    assert check_type is not None, f"check type {item.check.type} vanished after collection"
    spec = item.check.spec
    if item.check.uses_env:
        try:
            spec = resolve_env(spec, run.environ, run.secrets)
        except MissingEnvironmentVariable as exc:
            return Result("failed", f"{exc} (the check reads ${{env:{exc.name}}})",
                          duration=time.monotonic() - started)
    poll_until = started + item.retry.timeout if item.retry else started
    attempts = 0
    history: list[str] = []
    while True:
        attempts += 1
        budget = item.timeout
        if item.retry:
            budget = max(0.001, min(budget, poll_until - time.monotonic()))
        ctx = CheckContext(timeout=budget, rootdir=run.rootdir, environment=run.environment,
                           release=run.release)
        outcome, message = _attempt(check_type.run, spec, ctx)
        evidence = {k: _plain(v) for k, v in ctx.evidence.items()}
        now = time.monotonic()
        if outcome == "passed" or not item.retry or now + item.retry.interval >= poll_until:
            break
        history.append(f"attempt {attempts}: {message}")
        time.sleep(item.retry.interval)
    duration = time.monotonic() - started
    verdict: Outcome = "passed" if outcome == "passed" else "failed"
    if item.retry:
        evidence["attempts"] = attempts
        if history:
            evidence["earlier attempts"] = "; ".join(history[-5:])
    if outcome == "failed" and item.retry and attempts > 1:
        message = f"{message} (still failing after {attempts} attempts in " \
                  f"{format_duration(duration)})"
    if run.secrets:
        message = run.secrets.redact(message)
        evidence = {k: run.secrets.redact(v) if isinstance(v, str) else v
                    for k, v in evidence.items()}
    return Result(verdict, message, evidence, attempts, duration)


def _attempt(run: object, spec: object, ctx: CheckContext) -> tuple[str, str]:
    try:
        returned = run(spec, ctx)  # type: ignore[operator]
    except CheckFailed as exc:
        ctx.evidence.update(exc.evidence)
        return "failed", exc.message
    except Exception as exc:  # a bug in a check type: fail the item, say where
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ctx.evidence["error location"] = f"{where.filename}:{where.lineno}"
        return "failed", f"the check raised {type(exc).__name__}: {exc}"
    if returned:
        ctx.evidence.update(returned)
    return "passed", ""
