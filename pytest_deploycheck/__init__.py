"""pytest-deploycheck: deployment checklists as pytest items.

Public API for projects that add their own check types (see
:func:`check_type`)::

    from pytest_deploycheck import CheckContext, CheckFailed, check_type

and :func:`pytest_deploycheck.testing.run_check` to unit-test them without pytest.

The names are imported on first use, so that loading the pytest plugin costs
nothing in runs without checklists. (PYTEST_DONT_REWRITE: the ``deploycheck`` command
imports the package before it starts pytest; nothing here needs assertion rewriting.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import CheckFailed, ChecklistError, DeploycheckError, Problem, RegistryError

if TYPE_CHECKING:
    from .context import CheckContext
    from .registry import check_type
    from .units import Duration, Regex, Size, Timeout

__version__ = "0.1.0.dev0"

_LAZY = {
    "CheckContext": "context",
    "check_type": "registry",
    "Duration": "units",
    "Regex": "units",
    "Size": "units",
    "Timeout": "units",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_deploycheck' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "CheckContext",
    "CheckFailed",
    "ChecklistError",
    "DeploycheckError",
    "Duration",
    "Problem",
    "Regex",
    "RegistryError",
    "Size",
    "Timeout",
    "__version__",
    "check_type",
]
