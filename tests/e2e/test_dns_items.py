"""The dns check as an item: the default timeout kept, the install line without
dnspython (its judgement is in ``unit/test_check_dns.py``)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from dnslib import QTYPE, RCODE, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSServer
from dnslib.zoneresolver import ZoneResolver

from helpers.project import Project, one_item

ZONE = """
api.example.com.   300 IN A     127.0.0.10
api.example.com.   300 IN A     127.0.0.11
example.com.       300 IN MX    10 mail.example.com.
example.com.       300 IN TXT   "v=spf1 -all"
www.example.com.   300 IN CNAME api.example.com.
"""


class Zone(BaseResolver):  # type: ignore[misc]
    """The zone, answering like a real server: a name that exists but lacks the
    record type gets an empty answer (NOERROR), not NXDOMAIN as dnslib's does."""

    def __init__(self) -> None:
        self.zone = ZoneResolver(ZONE)
        self.names = {str(name) for name, _, _ in self.zone.zone}

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = self.zone.resolve(request, handler)
        if str(request.q.qname) in self.names and request.q.qtype == QTYPE.AAAA:
            reply.header.rcode = RCODE.NOERROR
        return reply


@pytest.fixture(scope="module")
def dns_port() -> Iterator[int]:
    server = DNSServer(Zone(), address="127.0.0.1", port=0)
    server.start_thread()
    try:
        yield server.server.server_address[1]
    finally:
        server.stop()


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
