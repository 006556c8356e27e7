"""``changelog``: the changelog has a section for the release.

.. code-block:: yaml

    check:
      changelog:
        file: CHANGELOG.md       # optional, default CHANGELOG.md
        release: "${release}"    # optional, default the run's release
        dated: true              # optional: the heading must carry a date (YYYY-MM-DD)

A section is a Markdown heading naming the version, as Keep a Changelog writes it
(``## [1.4.0] - 2026-11-23``), with or without brackets or a ``v``. Evidence:
``heading``, ``line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type


@dataclass(frozen=True)
class Changelog:
    file: str = "CHANGELOG.md"
    release: str | None = None
    dated: bool = False


@check_type("changelog", read_only=True)
def run(spec: Changelog, ctx: CheckContext) -> None:
    """The changelog has a section for the release."""
    release = ctx.release_or(spec.release, "release")
    lines = ctx.read_text(spec.file).splitlines()
    heading = re.compile(rf"^#+\s*\[?v?{re.escape(release)}\]?(?![\w.-])(.*)$")
    for number, line in enumerate(lines, start=1):
        found = heading.match(line)
        if found is None:
            continue
        ctx.record(heading=line.strip(), line=number)
        if spec.dated and not re.search(r"\d{4}-\d{2}-\d{2}", found.group(1)):
            raise CheckFailed(f"expected a date on the {release} heading of {spec.file} "
                              f"(line {number}: {line.strip()!r})")
        return
    latest = next((line.strip() for line in lines if re.match(r"^##\s", line)), "none")
    raise CheckFailed(f"expected a section for {release} in {spec.file}; the latest heading "
                      f"is {latest!r}")
