"""``python``: call a function the project writes, for what no other type covers.

.. code-block:: yaml

    check:
      python:
        function: "deploy_checks.risk:limits_within_bounds"   # required: module:function
        kwargs: {max_position: 1000000}                       # optional keyword arguments
        read_only: false   # optional: true if it only reads, so it may run concurrently

The function passes by returning ``None``, ``True`` or a mapping of evidence
(strings and numbers), or by ``sys.exit(0)``; it fails by returning ``False``,
failing an ``assert``, raising :class:`pytest_deploycheck.CheckFailed` (or any
other exception), or exiting with another code. A parameter named ``ctx``
receives the :class:`~pytest_deploycheck.CheckContext` (its ``timeout`` is the
time the function may take). The module is imported at collection, so a
typo is a collection error. Evidence: ``function``, and what the function returns (a
mapping of facts, or its value).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type

_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def resolve(target: str) -> Callable[..., Any]:
    """The function named ``module:function``; a clear error if it is not there."""
    if not _TARGET.match(target):
        raise PydanticCustomError("deploycheck_invalid",
                                  f"function {target!r} must look like 'package.module:function'")
    module_name, _, name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise PydanticCustomError(
            "deploycheck_invalid",
            f"cannot import module {module_name!r} ({type(exc).__name__}: {exc}); is it "
            "installed, or on sys.path (pytest's pythonpath ini option)?") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise PydanticCustomError("deploycheck_invalid",
                                  f"module {module_name!r} has no function {name!r}")
    return function  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Python:
    function: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False

    def __post_init__(self) -> None:
        resolve(self.function)


@check_type("python", read_only=lambda spec: bool(spec.read_only))
def run(spec: Python, ctx: CheckContext) -> Mapping[str, Any] | None:
    """Call a project function: it passes unless it returns False or raises."""
    function = resolve(spec.function)
    kwargs = dict(spec.kwargs)
    if "ctx" in inspect.signature(function).parameters:
        kwargs["ctx"] = ctx
    ctx.record(function=spec.function)
    try:
        returned = function(**kwargs)
    except CheckFailed:
        raise
    except SystemExit as exc:  # sys.exit() in the function: 0 passes, anything else fails
        if exc.code in (0, None):
            return None
        raise CheckFailed(f"{spec.function} exited with code {exc.code}") from None
    except AssertionError as exc:
        raise CheckFailed(str(exc).splitlines()[0] if str(exc) else
                          f"{spec.function} failed an assertion") from None
    except Exception as exc:
        raise CheckFailed(f"{spec.function} raised {type(exc).__name__}: {exc}") from None
    if returned is False:
        raise CheckFailed(f"{spec.function} returned False")
    if isinstance(returned, Mapping):
        return returned
    if returned not in (None, True):
        ctx.record(returned=repr(returned)[:200])
    return None
