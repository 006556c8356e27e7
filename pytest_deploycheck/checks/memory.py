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

from ..errors import CheckFailed
from ..registry import CheckContext, check_type
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


def cgroup_limit() -> tuple[int, int] | None:
    """(limit, usage) in bytes of this process's memory cgroup, if it has a limit."""
    for limit_file, usage_file in _CGROUP_FILES:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = Path(usage_file).read_text().strip()
        except OSError:
            continue
        if limit.isdigit() and int(limit) < 2**60 and usage.isdigit():
            return int(limit), int(usage)
    return None


@check_type("memory", read_only=True)
def run(spec: Memory, ctx: CheckContext) -> None:
    """Enough memory available (MemAvailable, and room under a cgroup limit)."""
    memory = psutil.virtual_memory()
    available, total = memory.available, memory.total
    limited = cgroup_limit()
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
