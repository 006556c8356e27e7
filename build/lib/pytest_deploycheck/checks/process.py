"""``process``: a program is running, as often as it should be.

.. code-block:: yaml

    check:
      process:
        name: sshd           # required: the program's name as ps shows it (comm)
        user: root           # optional: only its processes run by this user
        min_count: 1         # optional, default 1 (0 with max_count 0: must not run)
        max_count: 8         # optional

One ``ps`` on the item's target hosts with ``on:`` (through pytest-testinfra), else on
this machine: POSIX ``ps -A -o pid= -o user= -o comm=``, or busybox's ``ps``. Linux
truncates the name to 15 characters. Needs ``pip install 'pytest-deploycheck[hosts]'``.
Evidence: ``process``, ``count``, ``pids``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import failure, target_of
from ..registry import check_type

Count = Annotated[int, Field(ge=0)]
# "pid user comm" a line: POSIX ps (procps, BSD), else busybox's (header line skipped)
_PS = "ps -A -o pid= -o user= -o comm= 2>/dev/null || ps -o pid,user,comm | tail -n +2"


@dataclass(frozen=True)
class Process:
    name: str
    user: str | None = None
    min_count: Count = 1
    max_count: Count | None = None

    def __post_init__(self) -> None:
        if self.max_count is not None and self.max_count < self.min_count:
            raise PydanticCustomError("deploycheck_invalid",
                                      "max_count is smaller than min_count")


@check_type("process", read_only=True, on_hosts=True)
def run(spec: Process, ctx: CheckContext) -> None:
    """A program runs at least min_count and at most max_count times."""
    target = target_of(ctx.host)
    out = target.run(["sh", "-c", _PS], ctx.remaining())
    if out.rc != 0:
        raise CheckFailed(f"cannot list processes on {target.name}: {failure(out)}")
    pids = []
    for line in out.stdout.splitlines():
        fields = line.split(None, 2)
        if len(fields) == 3 and fields[0].isdigit() and fields[2].strip()[:15] == spec.name[:15] \
                and spec.user in (None, fields[1]):
            pids.append(int(fields[0]))
    pids.sort()
    by = f" run by {spec.user}" if spec.user else ""
    ctx.record(process=spec.name + by, count=len(pids),
               pids=", ".join(map(str, pids[:10])) + (" …" if len(pids) > 10 else ""))
    if len(pids) < spec.min_count:
        raise CheckFailed(f"expected at least {spec.min_count} {spec.name} process"
                          f"{'es' if spec.min_count > 1 else ''}{by} on {target.name}, "
                          f"found {len(pids)}")
    if spec.max_count is not None and len(pids) > spec.max_count:
        raise CheckFailed(f"expected at most {spec.max_count} {spec.name} processes{by} on "
                          f"{target.name}, found {len(pids)}")
