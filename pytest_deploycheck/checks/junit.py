"""``junit``: JUnit XML results show the tests ran and none failed.

.. code-block:: yaml

    check:
      junit:
        path: reports/acceptance-*.xml    # required: file or glob, from the project root
        min_tests: 50                     # optional, default 1
        name: 'circuit_breaker'           # optional: only test cases whose
                                          # "classname::name" this regex finds count

Every matching file counts; roots may be ``<testsuites>`` or ``<testsuite>``.
Evidence: ``files``, ``tests``, ``failures``, ``errors``, ``skipped``.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from typing import Annotated
from xml.etree import ElementTree

from pydantic import Field

from .. import inputs
from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Regex


@dataclass(frozen=True)
class Junit:
    path: str
    min_tests: Annotated[int, Field(ge=1)] = 1  # no tests at all never passes
    name: Regex | None = None


@check_type("junit", read_only=True)
def run(spec: Junit, ctx: CheckContext) -> None:
    """JUnit XML: enough tests, no failures or errors."""
    files = sorted(glob.glob(str(ctx.path(spec.path)))) if glob.has_magic(spec.path) else (
        [str(ctx.path(spec.path))])
    if not files:
        raise CheckFailed(f"no file matches {spec.path}")
    tests = skipped = other = 0
    failed: list[str] = []
    errors: list[str] = []
    for name in files:
        try:
            root = ElementTree.fromstring(inputs.read_bytes(name, limit=inputs.MAX_REPORT))
        except OSError as exc:
            raise CheckFailed(f"cannot read {name}: {exc.strerror or exc}") from None
        except ElementTree.ParseError as exc:
            raise CheckFailed(f"{name} is not valid XML ({exc})") from None
        if root.tag not in ("testsuites", "testsuite"):
            raise CheckFailed(f"{name} is not JUnit XML (root <{root.tag}>)")
        for case in root.iter("testcase"):
            label = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
            if spec.name is not None and not re.search(spec.name, label):
                other += 1
                continue
            tests += 1
            for child in case:
                if child.tag == "failure":
                    failed.append(f"{label}: {child.get('message', '')}".rstrip(": "))
                elif child.tag == "error":
                    errors.append(f"{label}: {child.get('message', '')}".rstrip(": "))
                elif child.tag == "skipped":
                    skipped += 1
    ctx.record(files=len(files), tests=tests, failures=len(failed), errors=len(errors),
               skipped=skipped)
    if failed or errors:
        first = (failed + errors)[0].splitlines()[0]  # a failure's message may run on
        raise CheckFailed(f"expected no failures or errors, found {len(failed)} failed and "
                          f"{len(errors)} errors (first: {first[:160]})")
    if tests < spec.min_tests:
        which = f" matching '{spec.name}' (of {tests + other})" if spec.name is not None else ""
        raise CheckFailed(f"expected at least {spec.min_tests} tests{which}, found {tests}")
