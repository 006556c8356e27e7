"""``version``: the version written in the code is the release being deployed.

.. code-block:: yaml

    check:
      version:
        file: pyproject.toml           # required: pyproject.toml, __init__.py, VERSION …
        expect: "${release}"           # optional, default the run's release
        regex: '^version = "([^"]+)"'  # optional: group 1 is the version

The default regex finds ``version = "…"`` or ``__version__ = "…"``; a file that holds
only a version (``VERSION``) needs ``regex: '(\\S+)'``. Evidence: ``found``, ``file``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Regex

DEFAULT = r"""^\s*(?:__version__|version)\s*=\s*["']([^"']+)["']"""


@dataclass(frozen=True)
class Version:
    file: str
    expect: str | None = None
    regex: Regex = DEFAULT


@check_type("version", read_only=True)
def run(spec: Version, ctx: CheckContext) -> None:
    """The version in the code equals the release."""
    expected = ctx.release_or(spec.expect, "expect")
    text = ctx.read_text(spec.file)
    match = re.search(spec.regex, text, re.MULTILINE)
    if match is None:
        raise CheckFailed(f"no version found in {spec.file} (regex '{spec.regex}')")
    found = match.group(1) if match.groups() else match.group(0)
    ctx.record(file=spec.file, found=found)
    if found != expected:
        raise CheckFailed(f"expected version {expected} in {spec.file}, found {found}")
