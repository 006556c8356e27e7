"""The pytest layer (the ``pytest11`` entry point): it translates between pytest and the
plain modules, and decides nothing itself.

One concern per module, each with its own hooks, as in pytest's own ``junitxml.py``:

- ``options``: command-line options, ini settings, where the project's files are;
- ``current``: this process's project, settings and run; phase markers; the header line;
- ``nodes``: collecting checklist files into items that ask the run for their record;
- ``reports``: the record on each report, across xdist too, and the words pytest prints;
- ``runlog``: the run's record where reports are written: JSON, Markdown, terminal summary;
- ``html``: pytest-html's title, columns, details and readiness summary;
- ``xdist``: ordered sections kept on one worker, in order;
- ``hookspecs``: ``pytest_deploycheck_environment``, for ``conftest.py`` files.

Light on purpose: what these modules import at the top is pytest and little else; the
run model, the loader and the checks are imported once a run meets a checklist.
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
