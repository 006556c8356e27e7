"""The dns check as an item: the default timeout kept, the install line without
dnspython (its judgement is in ``unit/test_check_dns.py``)."""

from __future__ import annotations

import socket
import time

import pytest

from helpers.project import Project, one_item


def run_one(project: Project, port: int, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{dns: {{resolver: 127.0.0.1, port: {port}, {spec}}}}}",
                             extra=extra)


def test_a_silent_resolver_fails_on_time_with_the_default_timeout_too(project: Project) -> None:
    """dnspython's back-off between rounds outlives its lifetime (by up to 2 s at 10 s):
    the check says "no answer" in time instead of being abandoned."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        started = time.monotonic()
        result = run_one(project, silent.getsockname()[1], "name: api.example.com")
    result.stdout.fnmatch_lines(["no answer for api.example.com A within 10 s"])
    assert time.monotonic() - started < 11


def test_without_dnspython_the_item_fails_with_the_install_line(project: Project) -> None:
    # a Python without dnspython: the import system refuses names mapped to None
    project.write("conftest.py", """
        import sys
        sys.modules["dns"] = None
        sys.modules["dns.resolver"] = None
        """)
    project.checklist(one_item("{dns: {name: api.example.com}}"))
    result = project.run_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["the dns check needs dnspython: pip install 'pytest-deploycheck[dns]'"])
