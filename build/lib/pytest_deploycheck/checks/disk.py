"""``disk``: enough free space on the filesystem holding a path.

.. code-block:: yaml

    check:
      disk:
        path: /var/lib/postgresql   # optional, default /
        min_free: 20GB              # optional: free space at least this
        max_used_percent: 85        # optional: used space at most this share

At least one of ``min_free`` and ``max_used_percent``. Free space is what an
unprivileged process can use. With ``on:`` it is the target host's disk (``df -Pk``
there; a relative path starts in the login directory). Evidence: ``path``, ``free``,
``total``, ``used``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import failure
from ..registry import check_type
from ..units import Size, format_size


@dataclass(frozen=True)
class Disk:
    path: str = "/"
    min_free: Size | None = None
    max_used_percent: Annotated[float, Field(gt=0, le=100)] | None = None

    def __post_init__(self) -> None:
        if self.min_free is None and self.max_used_percent is None:
            raise PydanticCustomError("deploycheck_invalid",
                                      "give min_free, max_used_percent or both")


# df -P: "Filesystem 1024-blocks Used Available Capacity Mounted on", one line each
_DF_LINE = re.compile(r"\s(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s")


def _on_host(spec: Disk, ctx: CheckContext) -> tuple[str, int, int]:
    """(path, free, total) in bytes on the target host."""
    assert ctx.host is not None
    out = ctx.host.run(["df", "-Pk", "--", spec.path], ctx.remaining())
    found = _DF_LINE.search(out.stdout.strip().splitlines()[-1] + " ") if out.stdout else None
    if out.rc != 0 or found is None:
        raise CheckFailed(f"cannot read disk usage of {spec.path} on {ctx.host.name}: "
                          f"{failure(out)}")
    return spec.path, int(found[3]) * 1024, int(found[1]) * 1024


@check_type("disk", read_only=True, on_hosts=True)
def run(spec: Disk, ctx: CheckContext) -> None:
    """Enough free space on the filesystem that holds a path."""
    if ctx.host is not None:
        path, free, total = _on_host(spec, ctx)
    else:
        path = str(ctx.path(spec.path))
        try:
            usage = shutil.disk_usage(path)
        except OSError as exc:
            raise CheckFailed(f"cannot read disk usage of {path}: {exc.strerror}") from None
        free, total = usage.free, usage.total
    used_percent = 100 * (total - free) / total if total else 0.0
    ctx.record(path=path, free=format_size(free), total=format_size(total),
               used=f"{used_percent:.1f}%")
    if spec.min_free is not None and free < spec.min_free:
        raise CheckFailed(f"expected at least {format_size(spec.min_free)} free on {path}, "
                          f"found {format_size(free)}")
    if spec.max_used_percent is not None and used_percent > spec.max_used_percent:
        raise CheckFailed(f"expected at most {spec.max_used_percent:g}% used on {path}, "
                          f"found {used_percent:.1f}%")
