"""The tls check against real TLS servers on loopback (certificates from trustme)."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme

from helpers.checks import fails, passes, shows
from helpers.servers import certificate_server, closed_port

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def trusting(tmp_path: Path, tls_ca: trustme.CA) -> Path:
    tls_ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return tmp_path


def spec(port: int, **more: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "ca_bundle": "ca.pem", **more}


def test_a_valid_certificate_passes_with_its_evidence(trusting: Path, tls_ca: trustme.CA) -> None:
    with certificate_server(tls_ca, "127.0.0.1", "localhost") as port:
        result = passes("tls", spec(port, min_days_left=14), root=trusting)
    shows(result, subject="*", issuer="*", not_after="*", days_left="*", version="TLSv1.3")


def test_an_expired_certificate_fails_and_still_shows_what_is_installed(
    trusting: Path, tls_ca: trustme.CA
) -> None:
    with certificate_server(tls_ca, "127.0.0.1", not_before=NOW - dt.timedelta(days=30),
                 not_after=NOW - dt.timedelta(days=1)) as port:
        result = fails("tls", spec(port),
                       "127.0.0.1:*: certificate not trusted: certificate has expired",
                       root=trusting)
    shows(result, days_left="-* (expired)")


def test_a_certificate_not_yet_valid_fails(trusting: Path, tls_ca: trustme.CA) -> None:
    with certificate_server(tls_ca, "127.0.0.1", not_before=NOW + dt.timedelta(days=2),
                 not_after=NOW + dt.timedelta(days=90)) as port:
        fails("tls", spec(port), "*: certificate not trusted: certificate is not yet valid",
              root=trusting)


def test_a_certificate_for_another_host_fails(trusting: Path, tls_ca: trustme.CA) -> None:
    with certificate_server(tls_ca, "other.example") as port:
        fails("tls", spec(port), "*: certificate not trusted: * mismatch, certificate is not "
              "valid for '127.0.0.1'*", root=trusting)


def test_an_unknown_ca_fails(tls_ca: trustme.CA) -> None:
    with certificate_server(tls_ca, "127.0.0.1") as port:
        fails("tls", {"host": "127.0.0.1", "port": port},
              "*: certificate not trusted: unable to get local issuer certificate")


def test_a_certificate_expiring_too_soon_fails_with_the_days_left(
    trusting: Path, tls_ca: trustme.CA
) -> None:
    with certificate_server(tls_ca, "127.0.0.1", not_after=NOW + dt.timedelta(days=10)) as port:
        fails("tls", spec(port, min_days_left=14), "expected the certificate of 127.0.0.1:* to "
              "be valid for at least 14 more days, it expires in *.* days (*)", root=trusting)


def test_a_server_without_tls_1_3_fails_a_1_3_minimum(trusting: Path, tls_ca: trustme.CA) -> None:
    with certificate_server(tls_ca, "127.0.0.1", max_version=ssl.TLSVersion.TLSv1_2) as port:
        passes("tls", spec(port), root=trusting)
        fails("tls", spec(port, min_version="1.3"),
              "*: the server does not offer TLS 1.3 or newer (*)", root=trusting)


def test_nothing_listening_fails_with_connection_refused(trusting: Path) -> None:
    fails("tls", spec(closed_port()), "127.0.0.1:*: connection refused", root=trusting)
