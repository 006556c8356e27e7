"""``disk``: enough free space on the filesystem holding a path.

.. code-block:: yaml

    check:
      disk:
        path: /var/lib/postgresql   # optional, default /
        min_free: 20GB              # optional: free space at least this
        max_used_percent: 85        # optional: used space at most this share

At least one of ``min_free`` and ``max_used_percent``. Free space is what an
unprivileged process can use. Evidence: ``path``, ``free``, ``total``, ``used``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError

from ..errors import CheckFailed
from ..registry import CheckContext, check_type
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


@check_type("disk", read_only=True)
def run(spec: Disk, ctx: CheckContext) -> None:
    """Enough free space on the filesystem that holds a path."""
    path = ctx.path(spec.path)
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        raise CheckFailed(f"cannot read disk usage of {path}: {exc.strerror}") from None
    used_percent = 100 * (usage.total - usage.free) / usage.total if usage.total else 0.0
    ctx.record(path=str(path), free=format_size(usage.free), total=format_size(usage.total),
               used=f"{used_percent:.1f}%")
    if spec.min_free is not None and usage.free < spec.min_free:
        raise CheckFailed(f"expected at least {format_size(spec.min_free)} free on {path}, "
                          f"found {format_size(usage.free)}")
    if spec.max_used_percent is not None and used_percent > spec.max_used_percent:
        raise CheckFailed(f"expected at most {spec.max_used_percent:g}% used on {path}, "
                          f"found {used_percent:.1f}%")
