"""``package``: a system package is installed, in a version that fits.

.. code-block:: yaml

    check:
      package:
        name: openssl        # required
        installed: true      # optional, default true (false: must be absent)
        version: ">=3.0"     # optional: >=, >, <=, <, ==, != and a version

Asks the host's package manager (dpkg, rpm, apk, pacman, pkg …) through
pytest-testinfra: on the item's target hosts with ``on:``, else on this machine.
Versions compare by their numbers: epoch, then the upstream version, then the
package revision if the constraint gives one (``>=3.0`` holds for
``3.0.15-1~deb12u1``; ``==3.0.15`` too). Needs ``pip install
'pytest-deploycheck[hosts]'``. Evidence: ``package``, ``installed``, ``version``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import target_of
from ..registry import check_type

_CONSTRAINT = re.compile(r"^\s*(>=|<=|==|!=|>|<)?\s*(\S+)\s*$")
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
    ">": operator.gt, "<": operator.lt}


@dataclass(frozen=True)
class Package:
    name: str
    installed: bool = True
    version: str | None = None

    def __post_init__(self) -> None:
        if self.version is not None and not _CONSTRAINT.match(self.version):
            raise PydanticCustomError("deploycheck_invalid",
                                      "version: an operator (>=, >, <=, <, ==, !=) and a "
                                      "version, such as '>=3.0'")
        if self.version is not None and not self.installed:
            raise PydanticCustomError("deploycheck_invalid",
                                      "a version needs 'installed: true'")


def version_key(version: str, with_revision: bool) -> tuple[int, tuple[int, ...],
                                                              tuple[int, ...]]:
    """(epoch, upstream numbers, revision numbers) of a package version."""
    epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
    numbers = tuple(int(n) for n in re.findall(r"\d+", upstream))
    extra = tuple(int(n) for n in re.findall(r"\d+", revision)) if with_revision else ()
    return int(epoch) if epoch.isdigit() else 0, numbers, extra


def fits(version: str, constraint: str) -> bool:
    found = _CONSTRAINT.match(constraint)
    assert found is not None
    op, wanted = found[1] or "==", found[2]
    with_revision = "-" in wanted.rpartition(":")[2]
    return _OPERATORS[op](version_key(version, with_revision),
                          version_key(wanted, with_revision))


@check_type("package", read_only=True, on_hosts=True)
def run(spec: Package, ctx: CheckContext) -> None:
    """A package is installed (or absent), in a version that fits a constraint."""
    target = target_of(ctx.host)

    def probe(host: Any) -> tuple[bool, str]:
        package = host.package(spec.name)
        installed = bool(package.is_installed)
        return installed, str(package.version) if installed else ""

    installed, version = target.use(probe)
    ctx.record(package=spec.name, installed="yes" if installed else "no")
    if version:
        ctx.record(version=version)
    if installed != spec.installed:
        state = f"installed, version {version}" if installed else "not installed"
        raise CheckFailed(f"expected package {spec.name} "
                          f"{'installed' if spec.installed else 'absent'} on {target.name}; "
                          f"it is {state}")
    if spec.version is not None and not fits(version, spec.version):
        raise CheckFailed(f"expected package {spec.name} {spec.version.strip()} on "
                          f"{target.name}, found {version}")
