"""What a check's ``run`` gets besides its spec: :class:`CheckContext`."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import inputs
from .errors import CheckFailed, EvidenceValue

if TYPE_CHECKING:
    from .hosts.targets import Target


@dataclass
class CheckContext:
    """What a check's ``run`` gets besides its spec.

    - ``timeout``: the seconds this attempt may take; :meth:`remaining` is what is left
      of them and :attr:`deadline` when they end: pass them to every network call and
      program you start.
    - :meth:`record`: add facts (strings and numbers) to the item's evidence; they stay
      in it when the check then fails.
    - :meth:`path`, :meth:`read_text`: a path relative to the project's root, and a
      file's text (CheckFailed, in one line, when it cannot be read).
    - :meth:`release_or`: the release to check against (the spec's, else the run's).
    - ``host``: for an item with ``on:`` (a check type registered with
      ``on_hosts=True``), the target host: ``ctx.host.run(argv, ctx.remaining())``
      runs a program there and returns its ``rc``, ``stdout`` and ``stderr``; ``None``
      on this machine.
    - ``environ``: the process environment the check reads (``${env:…}`` already
      resolved in the spec); ``environment``, ``release`` and ``rootdir`` of the run;
      ``deployed_at``, when the release was deployed, if the run was told
      (``--deploycheck-deployed-at``, ``$DEPLOYCHECK_DEPLOYED_AT``).
    """

    timeout: float
    rootdir: Path
    environment: str
    release: str | None = None
    evidence: dict[str, EvidenceValue] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    host: Target | None = None  # the target host, for an item with 'on:'
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    deployed_at: str | None = None  # --deploycheck-deployed-at, $DEPLOYCHECK_DEPLOYED_AT

    @property
    def deadline(self) -> float:
        """``time.monotonic()`` value after which this attempt has overrun."""
        return self.started + self.timeout

    def remaining(self) -> float:
        """Seconds left of this attempt's timeout (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def record(self, **facts: EvidenceValue) -> None:
        """Add facts (plain strings and numbers) to the item's evidence."""
        self.evidence.update(facts)

    def path(self, value: str) -> Path:
        """``value`` as a path; relative paths start at the project's root."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.rootdir / p

    def read_text(self, value: str) -> str:
        """The text of the file at ``value``; CheckFailed if it cannot be read."""
        try:
            return inputs.read_bytes(self.path(value)).decode("utf-8", errors="replace")
        except OSError as exc:
            raise CheckFailed(f"cannot read {value}: {exc.strerror or exc}") from None

    def release_or(self, explicit: str | None, key: str) -> str:
        """``explicit``, else the run's release; CheckFailed saying how to set one."""
        release = explicit or self.release
        if not release:
            raise CheckFailed(f"the release is unknown: pass --deploycheck-release or set "
                              f"{key!r}")
        return release


