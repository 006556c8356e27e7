"""The one place that knows secret values, and hides them.

A secret is the value of a process variable that a check reads through ``${env:…}``.
The run learns them before the first item reports (and whenever a check resolves one),
and everything it hands out passes through here: item records
(:meth:`Secrets.redact_record`), a check's result (:meth:`Secrets.redact_result`), any
other text (:meth:`Secrets.redact`: pytest's captured output, log sections) and log
records on their way to a terminal or a file (:class:`LogFilter`).

A value is hidden in every form it takes on the way out: as written, percent-encoded the
ways URLs encode it (``requests`` keeps ``@`` and ``/``, quotes ``%`` and spaces; forms
use ``+``), in either case of hex digits, and escaped for JSON, HTML and XML.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Result
    from .record import ItemRecord


class Secrets:
    """Values read through ``${env:…}``; :meth:`redact` hides them in any text.

    Values of fewer than 6 characters are masked where they stand as a word of
    their own, so that a short value (``x``, ``dev``) does not garble every
    message that happens to contain those letters.
    """

    MASK = "•••"
    SHORT = 6

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if not value:
            return
        forms = encodings(value)
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            parts = [
                re.escape(v) if len(v) >= self.SHORT
                else rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])"
                for v in sorted(self._values, key=len, reverse=True)
            ]
            self._pattern = re.compile("|".join(parts))

    def learn(self, names: Iterable[str], environ: Mapping[str, str]) -> None:
        """Know in advance the values of the process variables ``names`` (those that
        are set), so that they are hidden from the first report on."""
        for name in sorted(set(names)):
            value = environ.get(name)
            if value:
                self.add(value)

    def redact(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(self.MASK, text) if pattern is not None else text

    def redact_result(self, result: Result) -> Result:
        """``result`` with its message and evidence redacted."""
        if self._pattern is None:
            return result
        return replace(result, message=self.redact(result.message), evidence={
            k: self.redact(v) if isinstance(v, str) else v for k, v in result.evidence.items()})

    def redact_record(self, record: ItemRecord) -> ItemRecord:
        """``record`` with its message and evidence redacted."""
        if self._pattern is None:
            return record
        return replace(record, message=self.redact(record.message), evidence=tuple(
            (k, self.redact(v) if isinstance(v, str) else v) for k, v in record.evidence))

    def redact_report(self, report: Any) -> None:
        """Redact the texts of a test ``report`` of pytest's: its sections (captured
        output, logs), user properties and long representation (a crash's message)."""
        if not self:
            return
        report.sections = [(t, self.redact(c)) for t, c in report.sections]
        report.user_properties = [(k, self.redact(str(v))) for k, v in report.user_properties]
        if report.longrepr is not None and self.redact(text := str(report.longrepr)) != text:
            report.longrepr = self.redact(text)

    def __bool__(self) -> bool:
        return self._pattern is not None


# what URL libraries leave unquoted: none, a path's "/", and requests' set (with and
# without "%", which it keeps only where it already starts a valid escape)
_URL_SAFE = ("", "/", "!#$&'()*+,/:;=?@[]~", "!#$%&'()*+,/:;=?@[]~")
_HEX = re.compile(r"%[0-9A-F]{2}")


def encodings(value: str) -> set[str]:
    """Every form ``value`` may take in an output: see the module's docstring."""
    forms = {value, json.dumps(value)[1:-1], html.escape(value), html.escape(value, quote=False)}
    for safe in _URL_SAFE:
        forms.add(urllib.parse.quote(value, safe=safe))
        forms.add(urllib.parse.quote_plus(value, safe=safe))
    forms |= {_HEX.sub(lambda m: m.group().lower(), f) for f in forms}
    return {f for f in forms if f}


class LogFilter(logging.Filter):
    """Hides secrets in log records (message, exception, stack) on the handlers that
    print or write them: ``--log-cli-level``, ``--log-file``, the captured log. The
    secrets are looked up on each record (the run learns them after logging starts)."""

    def __init__(self, secrets: Callable[[], Secrets | None]) -> None:
        super().__init__()
        self._secrets = secrets

    @classmethod
    def attach(cls, logging_plugin: object, secrets: Callable[[], Secrets | None]) -> None:
        """A filter on each handler of pytest's logging plugin that prints or writes."""
        hide = cls(secrets)
        for name in ("log_cli_handler", "log_file_handler", "report_handler", "caplog_handler"):
            handler = getattr(logging_plugin, name, None)
            if isinstance(handler, logging.Handler):
                handler.addFilter(hide)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self._secrets()
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return True
        hidden = secrets.redact(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = secrets.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = secrets.redact(record.stack_info)
        return True
