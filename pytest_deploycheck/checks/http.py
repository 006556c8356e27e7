"""``http``: an HTTP(S) endpoint answers as expected, in time.

.. code-block:: yaml

    check:
      http:
        url: "${base_url}/health"          # required
        method: GET                        # optional, default GET
        headers: {Authorization: "Bearer ${env:API_TOKEN}"}   # optional
        body: "text"                       # optional request body (or json:)
        json: {ping: 1}                    # optional JSON request body
        status: 200                        # optional: a code or a list, default 200
        contains: "ok"                     # optional: text (or list) the body must contain
        matches: '"version":\\s*"1\\.4'    # optional: regex the body must match
        json_path: {"$.status": ok, "$.checks[0].up": true}   # optional
        response_headers: {Content-Type: "application/json"}  # optional: regex per header
        max_latency: 500ms                 # optional
        verify: true                       # optional: verify TLS, default true
        ca_bundle: certs/ca.pem            # optional CA bundle for TLS
        follow_redirects: true             # optional, default true

Evidence: ``url``, ``status``, ``latency``, ``bytes``, and ``final url`` after redirects.
"""

from __future__ import annotations

import json as jsonlib
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
import urllib3
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Duration, Regex, format_duration
from ._net import body_failure, request_failure, session_until

MAX_BODY = 4 * 1024 * 1024
_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Http:
    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    json: Any = None
    status: int | list[int] = 200
    contains: str | list[str] | None = None
    matches: Regex | None = None
    json_path: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, Regex] = field(default_factory=dict)
    max_latency: Duration | None = None
    verify: bool = True
    ca_bundle: str | None = None
    follow_redirects: bool = True

    def __post_init__(self) -> None:
        if self.body is not None and self.json is not None:
            raise PydanticCustomError("deploycheck_invalid",
                                      "give either 'body' or 'json' as the request body, not both")
        if "${" not in self.url and not re.match(r"^https?://[^/\s]+", self.url):
            raise PydanticCustomError("deploycheck_invalid",
                                      f"url {self.url!r} must start with http:// or https://")
        for path in self.json_path:
            if json_path_parts(path) is None:
                raise PydanticCustomError("deploycheck_invalid",
                                          f"json_path {path!r} is not a path like $.a.b[0].c")


def json_path_parts(path: str) -> list[str | int] | None:
    """``$.checks[0].name`` → ``["checks", 0, "name"]`` (None if malformed)."""
    rest = path[1:] if path.startswith("$") else path
    parts: list[str | int] = []
    pos = 0
    while pos < len(rest):
        m = _PATH_PART.match(rest, pos)
        if m is None:
            return None
        parts.append(int(m.group(2)) if m.group(2) is not None else m.group(1))
        pos = m.end()
    return parts


def _lookup(document: Any, path: str) -> tuple[bool, Any]:
    node = document
    for part in json_path_parts(path) or []:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False, None
    return True, node


@check_type("http", read_only=True)
def run(spec: Http, ctx: CheckContext) -> None:
    """An HTTP(S) endpoint answers with the expected status, body and latency."""
    ctx.record(url=spec.url)
    verify: bool | str = str(ctx.path(spec.ca_bundle)) if spec.ca_bundle else spec.verify
    started = time.monotonic()
    what = f"{spec.method} {spec.url}"
    limit = format_duration(ctx.timeout)
    with session_until(ctx.deadline) as (session, cutoff):
        try:
            response = session.request(
                spec.method, spec.url, headers=spec.headers, data=spec.body, json=spec.json,
                timeout=(ctx.remaining(), ctx.remaining()), verify=verify,
                allow_redirects=spec.follow_redirects, stream=True,
            )
        except requests.RequestException as exc:
            if cutoff.fired:
                raise CheckFailed(f"{what}: no complete response headers after {limit}") from None
            raise CheckFailed(f"{what}: {request_failure(exc, ctx.timeout)}") from None
        latency = time.monotonic() - started
        with response:
            content = bytearray()
            late = False
            try:
                while chunk := response.raw.read1(64 * 1024, decode_content=True):
                    content += chunk
                    late = time.monotonic() > ctx.deadline
                    if late or len(content) > MAX_BODY:
                        break
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if not cutoff.fired:
                    raise CheckFailed(f"{what}: {body_failure(exc)}") from None
            if late or cutoff.fired:
                raise CheckFailed(f"{what}: the body was not complete after {limit} "
                                  f"({len(content)} bytes so far)")
    ctx.record(status=response.status_code, latency=format_duration(latency),
               bytes=len(content))
    if response.url != spec.url:
        ctx.record(**{"final url": response.url})
    expected = spec.status if isinstance(spec.status, list) else [spec.status]
    if response.status_code not in expected:
        want = " or ".join(str(s) for s in expected)
        raise CheckFailed(f"expected status {want}, got {response.status_code} "
                          f"{response.reason or ''}".rstrip())
    if spec.max_latency is not None and latency > spec.max_latency:
        raise CheckFailed(f"expected a response within {format_duration(spec.max_latency)}, "
                          f"took {format_duration(latency)}")
    for name, pattern in spec.response_headers.items():
        value = response.headers.get(name)
        if value is None or not re.search(pattern, value):
            raise CheckFailed(f"expected header {name} matching '{pattern}', got "
                              f"{value!r}" if value is not None else
                              f"expected header {name} matching '{pattern}', it is missing")
    text = content.decode(response.encoding or "utf-8", errors="replace")
    contains = [spec.contains] if isinstance(spec.contains, str) else spec.contains or []
    for needle in contains:
        if needle not in text:
            raise CheckFailed(f"expected the body to contain {needle!r}; it does not "
                              f"(starts {text[:80]!r})")
    if spec.matches is not None and not re.search(spec.matches, text):
        raise CheckFailed(f"expected the body to match '{spec.matches}'; it does not "
                          f"(starts {text[:80]!r})")
    if spec.json_path:
        try:
            document = jsonlib.loads(text)
        except ValueError as exc:
            raise CheckFailed(f"expected a JSON body, got invalid JSON ({exc}; starts "
                              f"{text[:60]!r})") from None
        for path, want in spec.json_path.items():
            found, value = _lookup(document, path)
            if not found:
                raise CheckFailed(f"expected {path} == {want!r}, but {path} is not in the body")
            if value != want or (type(value) is bool and type(want) is not bool):
                raise CheckFailed(f"expected {path} == {want!r}, got {value!r}")
