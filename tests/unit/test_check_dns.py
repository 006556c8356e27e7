"""The dns check against a real DNS server on 127.0.0.1 (dnslib), answering real queries."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from dnslib import QTYPE, RCODE, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSServer
from dnslib.zoneresolver import ZoneResolver

from helpers.checks import fails, passes, shows

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


def ask(port: int, **spec: Any) -> dict[str, Any]:
    return {"resolver": "127.0.0.1", "port": port, **spec}


def test_a_records_equal_the_expected_set(dns_port: int) -> None:
    result = passes("dns", ask(dns_port, name="api.example.com",
                               equals=["127.0.0.11", "127.0.0.10"]))
    shows(result, resolver="127.0.0.1:*", answers="127.0.0.10, 127.0.0.11", ttl="300")


def test_a_missing_address_fails_naming_both_sets(dns_port: int) -> None:
    fails("dns", ask(dns_port, name="api.example.com", equals=["127.0.0.10"]),
          "expected api.example.com A = 127.0.0.10; found 127.0.0.10, 127.0.0.11")


@pytest.mark.parametrize("spec", [
    {"name": "api.example.com", "contains": ["127.0.0.10"]},
    {"name": "example.com", "type": "MX", "equals": ["10 mail.example.com"]},
    {"name": "example.com", "type": "TXT", "contains": ["v=spf1 -all"]},
    {"name": "www.example.com", "type": "CNAME", "equals": ["api.example.com."]},
])
def test_record_types_compare_as_text(dns_port: int, spec: dict[str, Any]) -> None:
    passes("dns", ask(dns_port, **spec))


def test_nxdomain_fails_saying_so(dns_port: int) -> None:
    fails("dns", ask(dns_port, name="nope.example.com"),
          "nope.example.com does not exist (NXDOMAIN)")


def test_a_name_without_that_record_type_fails(dns_port: int) -> None:
    fails("dns", ask(dns_port, name="api.example.com", type="AAAA"),
          "api.example.com has no AAAA record")


def test_a_silent_resolver_fails_within_the_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        started = time.monotonic()
        fails("dns", ask(silent.getsockname()[1], name="api.example.com"),
              "no answer for api.example.com A within 0.5 s", timeout=0.5)
    assert time.monotonic() - started < 3
