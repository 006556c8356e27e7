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

Relative paths start at the project root — or, with ``on:``, at the login directory
of the target host, where the file is looked for. Evidence: ``path``, ``size``, ``age``.
"""

from __future__ import annotations

import glob
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import failure
from ..registry import check_type
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


# On a host: the host's clock, then "mtime size path" of each match (a glob expands there)
_FIND = """IFS='
'
date +%s
for f in $1; do if [ "$2" = glob ]; then [ -f "$f" ] || continue; else [ -e "$f" ] || continue
fi; stat -c '%Y %s %n' -- "$f"; done"""


@dataclass(frozen=True)
class Found:
    path: str
    name: str
    mtime: float
    size: int
    now: float


def _find_local(spec: File, ctx: CheckContext) -> Found | None:
    target = ctx.path(spec.path)
    if glob.has_magic(spec.path):
        matches = [Path(p) for p in glob.glob(str(target)) if Path(p).is_file()]
        ctx.record(matches=len(matches))
        path = max(matches, key=lambda p: p.stat().st_mtime) if matches else None
    else:
        path = target if target.exists() else None
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError as exc:
        raise CheckFailed(f"cannot read {path}: {exc.strerror}") from None
    return Found(str(path), path.name, stat.st_mtime, stat.st_size, time.time())


def _find_on_host(spec: File, ctx: CheckContext) -> Found | None:
    assert ctx.host is not None
    magic = glob.has_magic(spec.path)
    out = ctx.host.run(["sh", "-c", _FIND, "sh", spec.path, "glob" if magic else "path"],
                       ctx.remaining())
    lines = out.stdout.splitlines()
    if out.rc != 0 or not lines or not lines[0].strip().isdigit():
        raise CheckFailed(f"cannot look for {spec.path} on {ctx.host.name}: {failure(out)}")
    matches = []
    for line in lines[1:]:
        mtime, size, path = line.split(" ", 2)
        matches.append(Found(path, path.rsplit("/", 1)[-1], int(mtime), int(size),
                             int(lines[0])))
    if magic:
        ctx.record(matches=len(matches))
    return max(matches, key=lambda f: f.mtime) if matches else None


def _read(found: Found, ctx: CheckContext) -> str:
    if ctx.host is not None:
        out = ctx.host.run(["head", "-c", str(MAX_READ), "--", found.path], ctx.remaining())
        if out.rc != 0:
            raise CheckFailed(f"cannot read {found.path} on {ctx.host.name}: {failure(out)}")
        return out.stdout
    try:
        with open(found.path, "rb") as handle:
            return handle.read(MAX_READ).decode("utf-8", errors="replace")
    except OSError as exc:
        raise CheckFailed(f"cannot read {found.path}: {exc.strerror}") from None


@check_type("file", read_only=True, on_hosts=True)
def run(spec: File, ctx: CheckContext) -> None:
    """A file exists, is recent, big enough and contains what it should."""
    found = (_find_on_host if ctx.host is not None else _find_local)(spec, ctx)
    if not spec.exists:
        if found is not None:
            raise CheckFailed(f"expected {spec.path} not to exist; found {found.path}")
        return
    if found is None:
        raise CheckFailed(f"expected {spec.path} to exist; "
                          + ("no file matches" if glob.has_magic(spec.path) else "it does not"))
    age = found.now - found.mtime
    ctx.record(path=found.path, size=format_size(found.size), age=_age(age))
    if spec.max_age is not None and age > spec.max_age:
        raise CheckFailed(f"expected {found.name} modified within "
                          f"{format_duration(spec.max_age)}, last modified {_age(age)} ago")
    if spec.min_size is not None and found.size < spec.min_size:
        raise CheckFailed(f"expected {found.name} to be at least {format_size(spec.min_size)}, "
                          f"it is {format_size(found.size)}")
    if spec.contains is None and spec.matches is None:
        return
    text = _read(found, ctx)
    if spec.contains is not None and spec.contains not in text:
        raise CheckFailed(f"expected {found.name} to contain {spec.contains!r}; it does not")
    if spec.matches is not None and not re.search(spec.matches, text, re.MULTILINE):
        raise CheckFailed(f"expected {found.name} to match '{spec.matches}'; it does not")
