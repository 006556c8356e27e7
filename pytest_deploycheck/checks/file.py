"""``file``: a file exists (or must not), is recent enough and says what it should.

.. code-block:: yaml

    check:
      file:
        path: backups/db-*.sql.gz    # required; a glob picks the newest match
        exists: true                 # optional, default true (false: must not exist)
        max_age: 1d                  # optional: modified at most this long ago
        min_size: 1MB                # optional
        contains: "## [${release}]"  # optional text the file must contain
        matches: "^version = "       # optional regex (multiline) the file must match

Relative paths start at the project root. Evidence: ``path``, ``size``, ``age``.
"""

from __future__ import annotations

import glob
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import PydanticCustomError

from ..errors import CheckFailed
from ..registry import CheckContext, check_type
from ..units import Duration, Regex, Size, format_duration, format_size

MAX_READ = 64 * 1024 * 1024


@dataclass(frozen=True)
class File:
    path: str
    exists: bool = True
    max_age: Duration | None = None
    min_size: Size | None = None
    contains: str | None = None
    matches: Regex | None = None

    def __post_init__(self) -> None:
        if not self.exists and (self.max_age is not None or self.min_size is not None
                                or self.contains is not None or self.matches is not None):
            raise PydanticCustomError(
                "deploycheck_invalid",
                "with 'exists: false' the file must be absent: drop max_age, min_size, "
                "contains and matches")


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


@check_type("file", read_only=True)
def run(spec: File, ctx: CheckContext) -> None:
    """A file exists, is recent, big enough and contains what it should."""
    target = ctx.path(spec.path)
    if glob.has_magic(spec.path):
        found = [Path(p) for p in glob.glob(str(target)) if Path(p).is_file()]
        ctx.record(matches=len(found))
        path = max(found, key=lambda p: p.stat().st_mtime) if found else None
    else:
        path = target if target.exists() else None
    if not spec.exists:
        if path is not None:
            raise CheckFailed(f"expected {spec.path} not to exist; found {path}")
        return
    if path is None:
        raise CheckFailed(f"expected {spec.path} to exist; "
                          + ("no file matches" if glob.has_magic(spec.path) else "it does not"))
    try:
        stat = path.stat()
    except OSError as exc:
        raise CheckFailed(f"cannot read {path}: {exc.strerror}") from None
    age = time.time() - stat.st_mtime
    ctx.record(path=str(path), size=format_size(stat.st_size), age=_age(age))
    if spec.max_age is not None and age > spec.max_age:
        raise CheckFailed(f"expected {path.name} modified within "
                          f"{format_duration(spec.max_age)}, last modified {_age(age)} ago")
    if spec.min_size is not None and stat.st_size < spec.min_size:
        raise CheckFailed(f"expected {path.name} to be at least {format_size(spec.min_size)}, "
                          f"it is {format_size(stat.st_size)}")
    if spec.contains is None and spec.matches is None:
        return
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_READ).decode("utf-8", errors="replace")
    except OSError as exc:
        raise CheckFailed(f"cannot read {path}: {exc.strerror}") from None
    if spec.contains is not None and spec.contains not in text:
        raise CheckFailed(f"expected {path.name} to contain {spec.contains!r}; it does not")
    if spec.matches is not None and not re.search(spec.matches, text, re.MULTILINE):
        raise CheckFailed(f"expected {path.name} to match '{spec.matches}'; it does not")
