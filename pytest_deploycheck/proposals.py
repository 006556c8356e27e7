"""What an imported item's wording proposes to probe: a check type, with the numbers the
text gives ("valid for more than 21 days" → ``min_days_left: 21``).

A :class:`Proposal` is complete when every value it needs is in the text or is a
``${variable}`` the project sets (the host, the URL): ``deploycheck import --automate``
writes complete ones as checks and leaves the others as commented templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_MORE = r"(?:more than|over|above|at least|minimum(?: of)?|min\.?|no less than|>=?|≥)"
_LESS = r"(?:less than|under|below|within|at most|maximum(?: of)?|max\.?|no more than|<=?|≤)"
_NUMBER = r"(\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class Proposal:
    """A check to put in an item's place: ``type`` and its spec as YAML flow text."""

    type: str
    spec: str
    complete: bool  # every value known: from the text, or a ${variable}
    # the ${variables} it reads, for the project to set, with an example value each
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        return f"{self.type}: {{{self.spec}}}"


def _after(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text, re.IGNORECASE)
    return found.group(1) if found else None


def _days(text: str) -> str | None:
    return _after(rf"{_MORE}\s*{_NUMBER}\s*(?:days?|d\b)", text) or _after(
        rf"{_NUMBER}\+?\s*days?", text)


def _percent(text: str) -> str | None:
    return _after(rf"{_MORE}\s*{_NUMBER}\s*%", text) or _after(rf"{_NUMBER}\s*%", text)


def _size(text: str) -> str | None:
    found = re.search(rf"{_NUMBER}\s*([KMGT]i?B)\b", text, re.IGNORECASE)
    return f"{found.group(1)}{found.group(2).upper().replace('IB', 'iB')}" if found else None


def _latency(text: str) -> str | None:
    found = re.search(rf"{_LESS}\s*{_NUMBER}\s*(ms|milliseconds?|s|seconds?)\b", text,
                      re.IGNORECASE)
    if not found:
        return None
    unit = "ms" if found.group(2).lower().startswith("m") else "s"
    return f"{found.group(1)}{unit}"


def _tls(text: str) -> Proposal:
    days = _days(text)
    return Proposal("tls", f'host: "${{tls_host}}", port: "${{tls_port}}", min_days_left: '
                    f"{days or 14}", days is not None,
                    (("tls_host", "api.example.com"), ("tls_port", "443")))


def _coverage(text: str) -> Proposal:
    percent = _percent(text)
    return Proposal("coverage", f'report: "${{coverage_report}}", min_percent: {percent or 80}',
                    percent is not None, (("coverage_report", "reports/coverage.xml"),))


def _disk(text: str) -> Proposal:
    size = _size(text)
    return Proposal("disk", f"path: /, min_free: {size or '20GB'}", size is not None)


def _memory(text: str) -> Proposal:
    size = _size(text)
    return Proposal("memory", f"min_available: {size or '2GiB'}", size is not None)


def _http(text: str) -> Proposal:
    latency = _latency(text)
    spec = 'url: "${base_url}/health", status: 200'
    return Proposal("http", spec + (f", max_latency: {latency}" if latency else ""), True,
                    (("base_url", "https://api.example.com"),))


def _fixed(type_: str, spec: str, complete: bool = False,
           variables: tuple[tuple[str, str], ...] = ()) -> Callable[[str], Proposal]:
    return lambda _: Proposal(type_, spec, complete, variables)


# wording → what it proposes, in this order (the first that matches)
RULES: tuple[tuple[str, Callable[[str], Proposal]], ...] = (
    (r"\bssl\b|\btls\b|certificate", _tls),
    (r"\bdns\b", _fixed("dns", 'name: "${dns_name}", type: A', True,
                         (("dns_name", "api.example.com"),))),
    (r"disk space|free space|\bdisk\b", _disk),
    (r"\bmemory\b|\bram\b", _memory),
    (r"coverage", _coverage),
    (r"\btests? (are )?pass|tests? passing|test suite", _fixed(
        "junit", 'path: "${junit_report}"', True, (("junit_report", "reports/junit.xml"),))),
    (r"websocket|real-time data feed", _fixed("websocket", 'url: "${feed_url}"', True,
                                              (("feed_url", "wss://feed.example.com"),))),
    (r"migration", _fixed("sql", 'url: "${env:DATABASE_URL}", migrations: migrations')),
    (r"database (connectivity|created)|database is", _fixed(
        "sql", 'url: "${env:DATABASE_URL}", query: select 1')),
    (r"prometheus|alert rules|alertmanager|monitoring data", _fixed(
        "prometheus", 'url: "${prometheus_url}", targets_up: true', True,
        (("prometheus_url", "http://prometheus:9090"),))),
    (r"\blogs?\b", _fixed("logs", 'files: ["logs/*.log"], pattern: "CRITICAL|FATAL", '
                                  "since: 1h")),
    (r"tag release|release tag|\btagged\b", _fixed("git", 'tag: "v${release}"', True)),
    (r"version number", _fixed("version", 'file: pyproject.toml, expect: "${release}"')),
    (r"changelog|release notes", _fixed("changelog", "file: CHANGELOG.md")),
    (r"environment variables|secrets in env", _fixed("env", "names: [DATABASE_URL, API_KEY]")),
    (r"endpoints? respond|health ?checks?|accessible|authentication working|external api|"
     r"response times?|latency", _http),
    (r"backup", _fixed("file", 'path: "backups/*.sql.gz", max_age: 1d')),
    (r"firewall|network connectivity", _fixed("tcp", "host: db.internal, port: 5432, "
                                                     "expect: open")),
    (r"services? (started|running)", _fixed("service", "name: app, running: true")),
    (r"market hours|trading hours|deployment window|holiday calendar", _fixed(
        "calendar", "exchange: XNYS, outside_hours: true, margin: 30m", True)),
)


def propose(title: str) -> Proposal | None:
    """The check ``title``'s wording names, with its numbers; None if it names none."""
    return next((make(title) for pattern, make in RULES
                 if re.search(pattern, title, re.IGNORECASE)), None)
