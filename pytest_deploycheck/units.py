"""Durations (``500ms``, ``10s``, ``2m``) and sizes (``20GB``, ``512MiB``).

``Duration`` and ``Size`` are annotated types for check specs: they validate
a YAML value into seconds (float) or bytes (int) and describe themselves in
the JSON Schema.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$")

_SIZE_UNITS = {
    "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

DURATION_HELP = "a duration such as 500ms, 10s, 2m, 1h or 1d"
MAX_DURATION = 1000 * 365 * 86400.0  # past this, a duration is a mistake (and overflows)
MAX_TIMEOUT = 86400.0  # the longest time limit an item or its polling may have
TIMEOUT_HELP = "a time limit greater than 0 and at most 1d, such as 500ms, 10s or 2m"
SIZE_HELP = "a size such as 512MiB, 20GB or 1TiB"


def parse_duration(value: object) -> float:
    """Seconds in ``value``: a number of seconds or text like ``1m30s``.

    >>> parse_duration("500ms"), parse_duration("2m"), parse_duration(3)
    (0.5, 120.0, 3.0)
    """
    if isinstance(value, bool):
        raise ValueError(DURATION_HELP)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION.match(value):
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(value))
    else:
        raise ValueError(DURATION_HELP)
    if not (0 <= seconds <= MAX_DURATION):  # NaN too
        raise ValueError(DURATION_HELP)
    return seconds


def parse_size(value: object) -> int:
    """Bytes in ``value``: a number of bytes or text like ``20GB`` / ``512MiB``.

    >>> parse_size("20GB"), parse_size("512MiB"), parse_size(1024)
    (20000000000, 536870912, 1024)
    """
    if isinstance(value, bool):
        raise ValueError(SIZE_HELP)
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m and m.group(2).lower() in _SIZE_UNITS | {"": 1}:
            factor = _SIZE_UNITS.get(m.group(2).lower(), 1)
            return int(float(m.group(1)) * factor)
    raise ValueError(SIZE_HELP)


def format_duration(seconds: float) -> str:
    """``0.0123`` → ``12 ms``; ``7.5`` → ``7.5 s``; from a minute on, the two largest
    units: ``75`` → ``1m 15s``, ``1690`` → ``28m 10s``, ``86400`` → ``1d``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    left = round(seconds)
    parts: list[tuple[int, str]] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size or parts:
            parts.append((left // size, unit))
            left %= size
    shown = [f"{n}{unit}" for n, unit in parts[:2] if n]
    return " ".join(shown)


def format_size(n: float) -> str:
    """Bytes in the largest binary unit that keeps the number ≥ 1: ``21.4 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _validate_duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except ValueError:
        raise PydanticCustomError("deploycheck_expected", DURATION_HELP) from None


def _validate_timeout(value: Any) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds <= MAX_TIMEOUT):
        raise PydanticCustomError("deploycheck_expected", TIMEOUT_HELP)
    return seconds


def _validate_size(value: Any) -> int:
    try:
        return parse_size(value)
    except ValueError:
        raise PydanticCustomError("deploycheck_expected", SIZE_HELP) from None


def _seconds_schema(number: dict[str, Any], help_text: str) -> WithJsonSchema:
    """A number of seconds within ``number``'s bounds, or text like ``1m30s``."""
    return WithJsonSchema({"anyOf": [{"type": "number", **number},
                                     {"type": "string", "pattern": _DURATION.pattern}],
                           "description": "seconds, or " + help_text})


Duration = Annotated[float, PlainValidator(_validate_duration),
                     _seconds_schema({"minimum": 0, "maximum": MAX_DURATION}, DURATION_HELP)]
"""A duration in seconds; YAML may say ``500ms``, ``10s``, ``2m``, ``1h``, ``1d``."""

Timeout = Annotated[float, PlainValidator(_validate_timeout),
                    _seconds_schema({"exclusiveMinimum": 0, "maximum": MAX_TIMEOUT}, TIMEOUT_HELP)]
"""A time limit in seconds, more than 0 and at most a day (``500ms``, ``10s``, ``2m``)."""

Size = Annotated[
    int,
    PlainValidator(_validate_size),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*([kKmMgGtT]i?[bB]|[bB])?\s*$"},
            ],
            "description": "bytes, or " + SIZE_HELP,
        }
    ),
]
"""A size in bytes; YAML may say ``20GB`` (decimal) or ``512MiB`` (binary)."""


def _validate_regex(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("deploycheck_expected", "a regular expression (text)")
    try:
        re.compile(value)
    except re.error as exc:
        raise PydanticCustomError(
            "deploycheck_invalid", f"invalid regular expression {value!r}: {exc}"
        ) from None
    return value


Regex = Annotated[
    str,
    PlainValidator(_validate_regex),
    # not "format": "regex" — that is ECMA-262 syntax, and these are Python's ((?i)…)
    WithJsonSchema({"type": "string", "description": "a regular expression (Python syntax)"}),
]
"""A regular expression (Python syntax), compiled at collection to catch mistakes."""
