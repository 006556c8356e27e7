"""The demo environment of this repository's checklists (``checks/``).

When the run's environment is ``demo`` (the config's default), the demo's services are
started on 127.0.0.1 before the checklists are collected, and their addresses become the
checklists' variables (``${base_url}``, ``${feed_url}``, …); they stop at the end of the
run. See ``demo/__init__.py`` for what runs, and ``DEPLOYCHECK_DEMO_DOWN`` to stop one.
"""

from __future__ import annotations

import pytest


def pytest_deploycheck_environment(
    config: pytest.Config, environment: str
) -> dict[str, str | int] | None:
    if environment != "demo" or config.option.collectonly:
        return None  # --collect-only needs no services: the config's variables do
    from demo.environment import start

    demo = start()
    config.add_cleanup(demo.stop)
    return demo.variables
