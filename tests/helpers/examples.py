"""The README's example of a check type of your own, as the tests' projects write it in a
``conftest.py`` or a module of their own."""

from __future__ import annotations

import textwrap

QUEUE_CHECKS = textwrap.dedent('''
    from __future__ import annotations

    from dataclasses import dataclass

    from pytest_deploycheck import CheckContext, CheckFailed, check_type


    @dataclass(frozen=True)
    class QueueDepth:
        queue: str
        max_depth: int = 100


    @check_type("queue_depth", read_only=True)
    def queue_depth(spec: QueueDepth, ctx: CheckContext) -> dict[str, int]:
        """A queue is not backed up."""
        depth = {"orders": 7, "fills": 250}[spec.queue]
        if depth > spec.max_depth:
            raise CheckFailed(f"expected at most {spec.max_depth} messages in {spec.queue}, "
                              f"found {depth}")
        return {"depth": depth}
    ''').lstrip()
#: the line a KeyError for an unknown queue names
KEY_ERROR_LINE = QUEUE_CHECKS.splitlines().index(
    '    depth = {"orders": 7, "fills": 250}[spec.queue]') + 1
