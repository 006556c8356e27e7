"""The tls check against real TLS servers on loopback (certificates from trustme)."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import trustme

from conftest import Project, assert_clean, one_item
from servers import closed_port, tls_server

NOW = dt.datetime.now(dt.timezone.utc)


@contextmanager
def serving(ca: trustme.CA, *names: str, max_version: ssl.TLSVersion | None = None,
            not_before: dt.datetime | None = None,
            not_after: dt.datetime | None = None) -> Iterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names, not_before=not_before, not_after=not_after).configure_cert(context)
    if max_version is not None:
        context.maximum_version = max_version
    with tls_server(context) as port:
        yield port


@pytest.fixture
def trusting(project: Project, tls_ca: trustme.CA) -> Project:
    tls_ca.cert_pem.write_to_path(str(project.path / "ca.pem"))
    return project


def run_tls(project: Project, port: int, extra: str = "") -> pytest.RunResult:
    project.checklist(one_item(f"{{tls: {{host: 127.0.0.1, port: {port}, ca_bundle: ca.pem"
                               f"{extra}}}}}"))
    result = project.run("-rA")
    assert_clean(result)
    return result


def test_a_valid_certificate_passes_with_its_evidence(
    trusting: Project, tls_ca: trustme.CA
) -> None:
    with serving(tls_ca, "127.0.0.1", "localhost") as port:
        result = run_tls(trusting, port, ", min_days_left: 14")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["subject: *", "issuer: *", "not after: *", "days left: *",
                                 "version: TLSv1.3"])


def test_an_expired_certificate_fails_and_still_shows_what_is_installed(
    trusting: Project, tls_ca: trustme.CA
) -> None:
    with serving(tls_ca, "127.0.0.1", not_before=NOW - dt.timedelta(days=30),
                 not_after=NOW - dt.timedelta(days=1)) as port:
        result = run_tls(trusting, port)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["127.0.0.1:*: certificate not trusted: certificate has expired",
                                 "days left: -* (expired)"])


def test_a_certificate_not_yet_valid_fails(trusting: Project, tls_ca: trustme.CA) -> None:
    with serving(tls_ca, "127.0.0.1", not_before=NOW + dt.timedelta(days=2),
                 not_after=NOW + dt.timedelta(days=90)) as port:
        result = run_tls(trusting, port)
    result.stdout.fnmatch_lines(["*: certificate not trusted: certificate is not yet valid"])


def test_a_certificate_for_another_host_fails(trusting: Project, tls_ca: trustme.CA) -> None:
    with serving(tls_ca, "other.example") as port:
        result = run_tls(trusting, port)
    result.stdout.fnmatch_lines(["*: certificate not trusted: * mismatch, certificate is not "
                                 "valid for '127.0.0.1'*"])


def test_an_unknown_ca_fails(project: Project, tls_ca: trustme.CA) -> None:
    with serving(tls_ca, "127.0.0.1") as port:
        project.checklist(one_item(f"{{tls: {{host: 127.0.0.1, port: {port}}}}}"))
        result = project.run()
    assert_clean(result)
    result.stdout.fnmatch_lines(["*: certificate not trusted: unable to get local issuer "
                                 "certificate"])


def test_a_certificate_expiring_too_soon_fails_with_the_days_left(
    trusting: Project, tls_ca: trustme.CA
) -> None:
    with serving(tls_ca, "127.0.0.1", not_after=NOW + dt.timedelta(days=10)) as port:
        result = run_tls(trusting, port, ", min_days_left: 14")
    result.stdout.fnmatch_lines(["expected the certificate of 127.0.0.1:* to be valid for at "
                                 "least 14 more days, it expires in *.* days (*)"])


def test_a_server_without_tls_1_3_fails_a_1_3_minimum(
    trusting: Project, tls_ca: trustme.CA
) -> None:
    with serving(tls_ca, "127.0.0.1", max_version=ssl.TLSVersion.TLSv1_2) as port:
        assert "passed" in str(run_tls(trusting, port).parseoutcomes())
        result = run_tls(trusting, port, ', min_version: "1.3"')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*: the server does not offer TLS 1.3 or newer (*)"])


def test_nothing_listening_fails_with_connection_refused(trusting: Project) -> None:
    result = run_tls(trusting, closed_port())
    result.stdout.fnmatch_lines(["127.0.0.1:*: connection refused"])
