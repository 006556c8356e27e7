"""Where a project's files are: its root dir, its config, where its checklists live.

Plain data, found by the pytest layer from pytest's own ini settings
(``deploycheck_config``, ``deploycheck_paths``), so that ``pytest`` and ``deploycheck``
always see the same project; light, because every pytest run reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """Where a project's files are, as its ini settings say (``deploycheck_config``,
    ``deploycheck_paths``; ``deploycheck_env`` and ``deploycheck_release`` in ``ini``)."""

    rootdir: Path
    config: Path  # the project config file
    paths: tuple[Path, ...]  # where checklists live
    ini: dict[str, str]  # deploycheck_env, deploycheck_release

    def shown(self, path: Path) -> str:
        """``path`` relative to the root dir, where it is below it."""
        return path.relative_to(self.rootdir).as_posix() if path.is_relative_to(
            self.rootdir) else str(path)

    @property
    def in_use(self) -> bool:
        """Whether this project has checklists to collect at all."""
        return any(p.is_dir() for p in self.paths)
