"""The exceptions of pytest-deploycheck.

::

    DeploycheckError              base of everything raised on purpose
     ├── ChecklistError           a mistake in a checklist or the project config;
     │                            reported as a collection error, never a traceback
     ├── CheckFailed              a probe found something other than what the item
     │                            expects (or could not reach its target); the item fails
     └── RegistryError            a check type was registered wrongly

    DeploycheckWarning (UserWarning)  worth fixing, not worth refusing a file (a role
                                      nobody holds); shown as a collection warning
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

EvidenceValue = str | int | float | bool


class DeploycheckError(Exception):
    """Base class of the exceptions pytest-deploycheck raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a checklist file, located precisely enough to fix it."""

    path: str
    line: int
    column: int
    message: str
    item: str | None = None
    field: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line > 0 else self.path
        subject = []
        if self.item is not None:
            subject.append(f"item {self.item!r}")
        if self.field:
            subject.append(f"field {self.field!r}")
        text = f"{where}: {', '.join(subject)}: {self.message}" if subject else (
            f"{where}: {self.message}"
        )
        if self.hint:
            text += f" — {self.hint}"
        return text


class ChecklistError(DeploycheckError):
    """One or more mistakes in a checklist or config file."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def summary(self) -> str:
        """``deploycheck: 2 mistakes in the checklist:`` and one indented line each."""
        count = len(self.problems)
        head = "1 mistake" if count == 1 else f"{count} mistakes"
        return f"deploycheck: {head} in the checklist:\n" + "\n".join(
            f"  {p}" for p in self.problems)


def first_mistake(text: str) -> str:
    """The first mistake in a collection error's ``text`` as :meth:`ChecklistError.summary`
    writes it; for any other error, its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("deploycheck:"):
        return lines[1]
    return lines[-1] if lines else "it cannot be collected"


class CheckFailed(DeploycheckError):
    """Raised by a check's ``run`` when the target is not as expected.

    ``message`` is one line a user understands: what was expected and what was
    found (``expected status 200, got 503``), or why the target could not be
    reached (``connection refused``). ``evidence`` adds facts to the item's
    evidence: plain strings and numbers only.
    """

    def __init__(self, message: str, evidence: Mapping[str, EvidenceValue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.evidence: dict[str, EvidenceValue] = dict(evidence or {})


class RegistryError(DeploycheckError):
    """A check type was defined or registered wrongly."""


class DeploycheckWarning(UserWarning):
    """Something in a checklist or the config worth fixing that does not refuse the
    file (a role nobody holds)."""
