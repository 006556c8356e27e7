"""``env``: environment variables are set and not empty. Values are never shown.

.. code-block:: yaml

    check:
      env:
        names: [DATABASE_URL, API_KEY]   # required, at least one

Evidence: ``set`` (the names found). Failure names the missing or empty ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise PydanticCustomError("deploycheck_expected", "an environment variable name")
    return value


@dataclass(frozen=True)
class Env:
    names: Annotated[list[Annotated[str, AfterValidator(_name)]], Field(min_length=1)]


@check_type("env", read_only=True)
def run(spec: Env, ctx: CheckContext) -> None:
    """Environment variables are set and non-empty (values never shown)."""
    environ = ctx.environ
    missing = [n for n in spec.names if n not in environ]
    empty = [n for n in spec.names if n in environ and not environ[n].strip()]
    ctx.record(set=", ".join(n for n in spec.names if n not in missing and n not in empty)
               or "none")
    problems = []
    if missing:
        problems.append("not set: " + ", ".join(missing))
    if empty:
        problems.append("empty: " + ", ".join(empty))
    if problems:
        raise CheckFailed(f"expected {len(spec.names)} variables set and non-empty; "
                          + "; ".join(problems))
