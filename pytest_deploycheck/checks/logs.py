"""``logs``: no line of the logs matches a pattern (no critical errors since the deploy).

.. code-block:: yaml

    check:
      logs:
        files: ["logs/app-*.log"]     # files or globs, from the project root …
        # command: [journalctl, -u, app, --no-pager]   # … or a command's output
        pattern: "CRITICAL|FATAL|Traceback"          # required: no line may match
        since: 1h                     # optional: only lines stamped in the last hour
        last_lines: 5000              # optional: only the last N lines of each source

``since`` reads the ISO 8601 time at the start of a line (``2026-11-23T10:00:00Z``,
``2026-11-23 10:00:00,123``, optionally in brackets); a line without one belongs to the
line above it. Times without a zone are taken as local time. Logs without a line, or
(with ``since``) without a line that carries a time, fail: they prove nothing. Evidence:
``lines``, ``matches``, and the first matching lines.
"""

from __future__ import annotations

import glob
import re
import subprocess
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError

from .. import inputs, spawn
from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Duration, Regex

FIRST_HITS = 3
_STAMP = re.compile(
    r"^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})?")


@dataclass(frozen=True)
class Logs:
    pattern: Regex
    files: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    since: Duration | None = None
    last_lines: Annotated[int, Field(ge=1)] | None = None

    def __post_init__(self) -> None:
        if bool(self.files) == bool(self.command):
            raise PydanticCustomError("deploycheck_invalid", "give either files or a command")


def _stamp(line: str) -> float | None:
    found = _STAMP.match(line)
    if found is None:
        return None
    zone = (found.group(2) or "").replace("Z", "+00:00")
    if zone and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        moment = datetime.fromisoformat(found.group(1).replace(" ", "T") + zone)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(timezone.utc).timestamp()


def _sources(spec: Logs, ctx: CheckContext) -> Iterable[tuple[str, Iterable[str]]]:
    if spec.command:
        try:
            done = spawn.run(spec.command, capture_output=True, text=True, errors="replace",
                             timeout=ctx.remaining(), cwd=ctx.rootdir, environ=ctx.environ)
        except FileNotFoundError:
            raise CheckFailed(f"cannot run {spec.command[0]}: not found") from None
        except subprocess.TimeoutExpired:
            raise CheckFailed(f"{spec.command[0]} did not finish in time") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [""])[-1]
            raise CheckFailed(f"{' '.join(spec.command)} exited with {done.returncode}"
                              + (f" ({last[:120]})" if last else ""))
        yield spec.command[0], done.stdout.splitlines()
        return
    for pattern in spec.files:
        target = str(ctx.path(pattern))
        names = sorted(glob.glob(target)) if glob.has_magic(pattern) else [target]
        if not names:
            raise CheckFailed(f"no log file matches {pattern}")
        for name in names:
            try:
                handle = inputs.open_text(name)
            except OSError as exc:
                raise CheckFailed(f"cannot read {name}: {exc.strerror or exc}") from None
            with handle:
                yield name, list(handle)


@check_type("logs", read_only=lambda spec: not spec.command)
def run(spec: Logs, ctx: CheckContext) -> None:
    """No log line matches a pattern (since a time, or in the last N lines)."""
    regex = re.compile(spec.pattern)
    cutoff = time.time() - spec.since if spec.since is not None else None
    read = scanned = stamped = 0
    hits: list[str] = []
    for name, lines in _sources(spec, ctx):
        chosen: Iterable[str] = deque(lines, maxlen=spec.last_lines) if spec.last_lines else lines
        stamp: float | None = None
        for number, line in enumerate(chosen, start=1):
            read += 1
            if cutoff is not None:
                found = _stamp(line)
                stamped += found is not None
                stamp = found or stamp
                if stamp is None or stamp < cutoff:
                    continue
            scanned += 1
            if regex.search(line):
                hits.append(f"{name.rsplit('/', 1)[-1]}:{number}: {line.strip()[:160]}")
    ctx.record(lines=scanned, matches=len(hits))
    if not read:  # an empty log proves nothing: the app may not be logging at all
        raise CheckFailed("expected log lines to check, found none (the logs are empty)")
    if cutoff is not None and not stamped:
        raise CheckFailed(f"no line of the {read} read starts with a time 'since' can read "
                          "(ISO 8601, such as 2026-11-23T10:00:00Z)")
    for n, hit in enumerate(hits[:FIRST_HITS], start=1):
        ctx.record(**{f"match {n}": hit})
    if hits:
        raise CheckFailed(f"expected no line matching '{spec.pattern}', found {len(hits)} "
                          f"(first: {hits[0]})")
