"""The plugin's own hooks, for ``conftest.py`` files and plugins."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

Scalar = str | int | float | bool


@pytest.hookspec
def pytest_deploycheck_environment(
    config: pytest.Config, environment: str
) -> Mapping[str, Scalar] | None:
    """Prepare ``environment`` before its checklists are collected, and return variables
    for ``${name}`` in them (say, the URL of a service started now on a free port).

    Called once in each process that collects checklists (each xdist worker, not a
    controller that runs no items). Stop what you start with ``config.add_cleanup``.
    Variables returned here win over the config's; a later conftest or plugin wins
    over an earlier one. Example, in ``conftest.py``::

        def pytest_deploycheck_environment(config, environment):
            if environment != "demo":
                return None
            server = start_demo_server()
            config.add_cleanup(server.stop)
            return {"base_url": server.url}
    """
