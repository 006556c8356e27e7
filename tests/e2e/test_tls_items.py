"""The tls check as an item: a failure and the evidence the terminal shows (its
judgement in detail is in ``unit/test_check_tls.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
import trustme

from helpers.project import Project, assert_clean, one_item
from helpers.servers import certificate_server

NOW = dt.datetime.now(dt.timezone.utc)


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


def test_an_expired_certificate_fails_and_still_shows_what_is_installed(
    trusting: Project, tls_ca: trustme.CA
) -> None:
    with certificate_server(tls_ca, "127.0.0.1", not_before=NOW - dt.timedelta(days=30),
                 not_after=NOW - dt.timedelta(days=1)) as port:
        result = run_tls(trusting, port)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["127.0.0.1:*: certificate not trusted: certificate has expired",
                                 "days left: -* (expired)"])


