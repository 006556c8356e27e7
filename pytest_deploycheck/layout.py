"""Where a project's files are: its root dir, its config, where its checklists live.

Plain data, found by the pytest layer from pytest's own ini settings
(``deploycheck_config``, ``deploycheck_paths``), so that ``pytest`` and ``deploycheck``
always see the same project; light, because every pytest run reads it.
"""

from __future__ import annotations

import argparse
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

    def files_named(self, args: list[str], start: Path) -> list[Path]:
        """The checklist files a run with these arguments (from directory ``start``)
        collects: every one under the checklist paths, or those the paths and node ids
        named lead to; none when the project has no checklists and names none."""
        names = [a.split("::")[0] for a in args]
        if not self.in_use and not any(a.endswith((".yaml", ".yml")) for a in names):
            return []
        from .catalog import discover

        return discover(self.paths, [(start / a).resolve() for a in names])

    @property
    def in_use(self) -> bool:
        """Whether this project has checklists to collect at all."""
        return any(p.is_dir() for p in self.paths)


# read-only probes at once, unless told: 200 HTTP checks answering in 100 ms took 1.20 s
# with 64, 1.42 s with 32, 1.23 s with 128 (bench/run.py, side by side)
DEFAULT_CONCURRENCY = 64


def concurrency_number(value: str) -> int:
    """``--deploycheck-concurrency`` (or its ini setting) as a number of at least 1."""
    number = int(value) if value.strip().isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def plugin_options(words: list[str]) -> list[str]:
    """The ``-p NAME`` and ``-pNAME`` options among ``words`` (ini ``addopts``,
    ``PYTEST_ADDOPTS``): the plugins a project loads, which the CLI must load too."""
    found = []
    for n, word in enumerate(words):
        if word == "-p" and n + 1 < len(words):
            found += [word, words[n + 1]]
        elif word.startswith("-p") and word != "-p":
            found.append(word)
    return found
