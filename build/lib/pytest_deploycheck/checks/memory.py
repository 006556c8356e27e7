"""``memory``: enough memory available, within the container's limit too.

.. code-block:: yaml

    check:
      memory:
        min_available: 4GiB     # optional: available memory at least this
        max_used_percent: 90    # optional: used memory at most this share

At least one of the two. "Available" is the kernel's estimate of memory that
can be used without swapping (MemAvailable); inside a cgroup with a memory
limit (containers), the room left under that limit counts if it is smaller.
Evidence: ``available``, ``total``, ``used`` and ``limit`` when a cgroup sets one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import psutil
from pydantic import Field
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import failure
from ..registry import check_type
from ..units import Size, format_size

_CGROUP_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes",                 # cgroup v1
     "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)


@dataclass(frozen=True)
class Memory:
    min_available: Size | None = None
    max_used_percent: Annotated[float, Field(gt=0, le=100)] | None = None

    def __post_init__(self) -> None:
        if self.min_available is None and self.max_used_percent is None:
            raise PydanticCustomError("deploycheck_invalid",
                                      "give min_available, max_used_percent or both")


def _cgroup(limit: str, usage: str) -> tuple[int, int] | None:
    limit, usage = limit.strip(), usage.strip()
    if limit.isdigit() and int(limit) < 2**60 and usage.isdigit():
        return int(limit), int(usage)
    return None  # "max", or no such files: no limit


def cgroup_limit() -> tuple[int, int] | None:
    """(limit, usage) in bytes of this process's memory cgroup, if it has a limit."""
    for limit_file, usage_file in _CGROUP_FILES:
        try:
            found = _cgroup(Path(limit_file).read_text(), Path(usage_file).read_text())
        except OSError:
            continue
        if found is not None:
            return found
    return None


def _on_host(ctx: CheckContext) -> tuple[int, int, tuple[int, int] | None]:
    """(available, total, cgroup limit and usage) on the target host."""
    assert ctx.host is not None
    cgroups = " || ".join(f"cat {limit} {usage} 2>/dev/null" for limit, usage in _CGROUP_FILES)
    out = ctx.host.run(["sh", "-c", f"cat /proc/meminfo && echo @@ && {{ {cgroups} || true; }}"],
                       ctx.remaining())
    meminfo, _, cgroup = out.stdout.partition("@@")
    fields = {}
    for line in meminfo.splitlines():
        name, _, value = line.partition(":")
        parts = value.split()
        if parts and parts[0].isdigit():
            fields[name.strip()] = int(parts[0]) * 1024  # kB
    if out.rc != 0 or "MemTotal" not in fields:
        raise CheckFailed(f"cannot read /proc/meminfo on {ctx.host.name}: {failure(out)}")
    available = fields.get("MemAvailable", fields.get("MemFree", 0))
    values = cgroup.split()
    limited = _cgroup(values[0], values[1]) if len(values) == 2 else None
    return available, fields["MemTotal"], limited


@check_type("memory", read_only=True, on_hosts=True)
def run(spec: Memory, ctx: CheckContext) -> None:
    """Enough memory available (MemAvailable, and room under a cgroup limit)."""
    if ctx.host is not None:
        available, total, limited = _on_host(ctx)
    else:
        memory = psutil.virtual_memory()
        available, total, limited = memory.available, memory.total, cgroup_limit()
    if limited is not None and limited[0] < total:
        total = limited[0]
        available = min(available, max(0, limited[0] - limited[1]))
        ctx.record(limit=format_size(limited[0]))
    used_percent = 100 * (total - available) / total if total else 0.0
    ctx.record(available=format_size(available), total=format_size(total),
               used=f"{used_percent:.1f}%")
    if spec.min_available is not None and available < spec.min_available:
        raise CheckFailed(f"expected at least {format_size(spec.min_available)} available, "
                          f"found {format_size(available)}")
    if spec.max_used_percent is not None and used_percent > spec.max_used_percent:
        raise CheckFailed(f"expected at most {spec.max_used_percent:g}% memory used, "
                          f"found {used_percent:.1f}%")
