"""The pytest layer (the ``pytest11`` entry point): it translates between pytest and the
plain modules and decides nothing. One concern per module, each with its own hooks, as in
pytest's ``junitxml.py``: ``options`` (command line, ini, where files are), ``current``
(this process's settings and run), ``nodes`` (collection, items), ``probing`` (running them, and
a watch's rounds), ``reports`` (records on
reports), ``runlog`` (the run's evidence), ``html`` (pytest-html), ``xdist``, ``hookspecs``.
Light on purpose: the run model, loader and checks load once a run meets a checklist.

PYTEST_DONT_REWRITE: ``deploycheck watch`` imports this module before it starts pytest
(:func:`watch`), and nothing here needs pytest's assertion rewriting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..watch import Plan

pytest_plugins = [
    "pytest_deploycheck.plugin.options",
    "pytest_deploycheck.plugin.current",
    "pytest_deploycheck.plugin.nodes",
    "pytest_deploycheck.plugin.probing",
    "pytest_deploycheck.plugin.reports",
    "pytest_deploycheck.plugin.runlog",
    "pytest_deploycheck.plugin.xdist",
]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


WATCH: pytest.StashKey[Plan] = pytest.StashKey()


def watch(args: list[str], plan: Plan) -> int:
    """``deploycheck watch``: pytest with ``args`` in this process (xdist left out), its
    checklist items watched per ``plan`` before they report."""

    class Watching:
        @staticmethod
        def pytest_configure(config: pytest.Config) -> None:
            config.stash[WATCH] = plan

    return int(pytest.main([*args, "-p", "no:xdist"], plugins=[Watching()]))
