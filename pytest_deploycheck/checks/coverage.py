"""``coverage``: a Cobertura XML report (``coverage xml``, JaCoCo converters, …) shows
enough of the code tested, in total and for the parts that matter most.

.. code-block:: yaml

    check:
      coverage:
        report: coverage.xml              # required, relative to the project root
        min_percent: 80                   # optional: total line coverage
        paths: {"src/core/*": 95}         # optional: minimum per glob of file names

Per-glob figures are computed from the lines of the matching files (a
Cobertura ``<package>`` rate leaves out its subpackages). A report without per-line
data is measured by its own totals (``lines-valid``, ``lines-covered``); one with
nothing to measure fails, as does a glob whose files hold no lines. Evidence:
``total``, one entry per glob, ``files``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Annotated
from xml.etree import ElementTree

from pydantic import Field
from pydantic_core import PydanticCustomError

from .. import inputs
from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type

Percent = Annotated[float, Field(ge=0, le=100)]


@dataclass(frozen=True)
class Coverage:
    report: str
    min_percent: Percent | None = None
    paths: dict[str, Percent] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_percent is None and not self.paths:
            raise PydanticCustomError("deploycheck_invalid", "give min_percent, paths or both")


def _lines(root: ElementTree.Element) -> dict[str, tuple[int, int]]:
    """file name → (lines, covered lines)."""
    files: dict[str, tuple[int, int]] = {}
    for cls in root.iter("class"):
        name = cls.get("filename", "")
        hits = [int(line.get("hits", "0")) for line in cls.iter("line")]
        total, covered = files.get(name, (0, 0))
        files[name] = (total + len(hits), covered + sum(1 for h in hits if h > 0))
    return files


def _percent(files: list[tuple[int, int]]) -> float | None:
    """Covered lines in percent; None when there are no lines to measure."""
    total = sum(t for t, _ in files)
    return 100.0 * sum(c for _, c in files) / total if total else None


def _totals(root: ElementTree.Element) -> tuple[int, int] | None:
    """The report's own totals (``lines-valid``, ``lines-covered``), if it gives them."""
    try:
        valid, covered = int(root.get("lines-valid", "")), int(root.get("lines-covered", ""))
    except ValueError:
        return None
    return (valid, covered) if 0 <= covered <= valid else None


@check_type("coverage", read_only=True)
def run(spec: Coverage, ctx: CheckContext) -> None:
    """Cobertura XML coverage: total and per-path minimums."""
    path = ctx.path(spec.report)
    try:
        root = ElementTree.fromstring(inputs.read_bytes(path, limit=inputs.MAX_REPORT))
    except OSError as exc:
        raise CheckFailed(f"cannot read {spec.report}: {exc.strerror or exc}") from None
    except ElementTree.ParseError as exc:
        raise CheckFailed(f"{spec.report} is not valid XML ({exc})") from None
    if root.tag != "coverage":
        raise CheckFailed(f"{spec.report} is not a Cobertura report (root <{root.tag}>)")
    files = _lines(root)
    total = _percent(list(files.values()))
    totals = _totals(root)
    if total is None and totals is not None:  # no per-line data: the report's own figures
        total = _percent([totals])
        ctx.record(source="the report's totals (no per-line data)")
    if total is None:
        raise CheckFailed(f"{spec.report} has no line data: nothing to measure (lines-valid "
                          f"{root.get('lines-valid', 'missing')}, {len(files)} files)")
    ctx.record(total=f"{total:.1f}%", files=len(files))
    problems = []
    if spec.min_percent is not None and total < spec.min_percent:
        problems.append(f"total {total:.1f}% < {spec.min_percent:g}%")
    for pattern, minimum in spec.paths.items():
        matched = [v for name, v in files.items() if fnmatch.fnmatch(name, pattern)]
        if not matched:
            problems.append(f"no file in the report matches {pattern!r}")
            continue
        share = _percent(matched)
        plural = "s" if len(matched) != 1 else ""
        if share is None:
            problems.append(f"the {len(matched)} file{plural} matching {pattern!r} hold no "
                            "line data")
            continue
        ctx.record(**{pattern: f"{share:.1f}% of {len(matched)} file{plural}"})
        if share < minimum:
            problems.append(f"{pattern} {share:.1f}% < {minimum:g}%")
    if problems:
        raise CheckFailed("expected more coverage: " + "; ".join(problems))
