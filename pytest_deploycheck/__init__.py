"""pytest-deploycheck: deployment checklists as pytest items.

Public API for projects that add their own check types (see
:func:`check_type`)::

    from pytest_deploycheck import CheckContext, CheckFailed, check_type
"""

from __future__ import annotations

from .errors import CheckFailed, ChecklistError, DeploycheckError, Problem, RegistryError
from .registry import CheckContext, check_type
from .units import Duration, Size

__version__ = "0.1.0.dev0"

__all__ = [
    "CheckContext",
    "CheckFailed",
    "ChecklistError",
    "DeploycheckError",
    "Duration",
    "Problem",
    "RegistryError",
    "Size",
    "__version__",
    "check_type",
]
