"""The pytest layer (the ``pytest11`` entry point): it translates between pytest and the
plain modules and decides nothing. One concern per module, each with its own hooks, as in
pytest's ``junitxml.py``: ``options`` (command line, ini, where files are), ``current``
(this process's settings and run), ``nodes`` (collection, items), ``reports`` (records on
reports), ``runlog`` (the run's evidence), ``html`` (pytest-html), ``xdist``, ``hookspecs``.
Light on purpose: the run model, loader and checks load once a run meets a checklist.
"""

from __future__ import annotations

import pytest

pytest_plugins = [
    "pytest_deploycheck.plugin.options",
    "pytest_deploycheck.plugin.current",
    "pytest_deploycheck.plugin.nodes",
    "pytest_deploycheck.plugin.reports",
    "pytest_deploycheck.plugin.runlog",
    "pytest_deploycheck.plugin.xdist",
]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)
