"""Secrets hidden in every form they take: URL-encoded, escaped, in log records."""

from __future__ import annotations

import logging
import sys

import requests

from pytest_deploycheck.secrets import LogFilter, Secrets

VALUE = 'Cn@ry p%ss/Q7&<"'


def test_a_value_is_hidden_however_a_url_encodes_it() -> None:
    secrets = Secrets()
    secrets.add(VALUE)
    for url in (requests.Request("GET", f"http://h/?token={VALUE}").prepare().url,
                requests.Request("GET", "http://h/", params={"token": VALUE}).prepare().url,
                "http://h/?token=Cn%40ry%20p%25ss%2fQ7%26%3c%22"):
        assert url is not None
        assert secrets.redact(url) == "http://h/?token=•••", url
    assert secrets.redact('{"token": "Cn@ry p%ss/Q7&<\\""}') == '{"token": "•••"}'
    assert secrets.redact("<td>Cn@ry p%ss/Q7&amp;&lt;&quot;</td>") == "<td>•••</td>"


def test_log_records_are_hidden_message_exception_and_stack() -> None:
    secrets = Secrets()
    hide = LogFilter(lambda: secrets)
    record = logging.LogRecord("urllib3", logging.DEBUG, __file__, 1, '"GET /?t=%s" %s',
                               (VALUE, 200), None)
    assert hide.filter(record)
    assert VALUE in record.getMessage()  # nothing learnt yet: nothing to hide
    secrets.add(VALUE)
    try:
        raise ValueError(f"bad token {VALUE}")
    except ValueError:
        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "token %s", (VALUE,),
                                   sys.exc_info(), sinfo=f"Stack: {VALUE}")
    assert hide.filter(record)
    text = logging.Formatter().format(record)
    assert VALUE not in text
    assert "token •••" in text
    assert "ValueError: bad token •••" in text
    assert "Stack: •••" in text
