"""``websocket``: a websocket feed connects, answers and stays up
(needs ``pip install 'pytest-deploycheck[ws]'``).

.. code-block:: yaml

    check:
      websocket:
        url: "wss://feed.example.com/market"     # required: ws:// or wss://
        headers: {Authorization: "Bearer ${env:FEED_TOKEN}"}   # optional
        send: '{"subscribe": "AAPL"}'            # optional: sent once connected
        expect: '"price":'                       # optional: regex a message must match
        min_messages: 1                          # optional, default 0
        stay: 3s                                 # optional: stay connected this long
        ca_bundle: certs/ca.pem                  # optional, for wss://

``stay`` is counted inside the item's ``timeout``. Evidence: ``messages``,
``connected for``, ``first message``.
"""

from __future__ import annotations

import re
import ssl
import time
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import Duration, Regex, format_duration
from ._net import describe_error

INSTALL = "pip install 'pytest-deploycheck[ws]'"


@dataclass(frozen=True)
class Websocket:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    send: str | None = None
    expect: Regex | None = None
    min_messages: Annotated[int, Field(ge=0)] = 0
    stay: Duration = 0.0
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        if "${" not in self.url and not re.match(r"^wss?://[^/\s]+", self.url):
            raise PydanticCustomError("deploycheck_invalid",
                                      f"url {self.url!r} must start with ws:// or wss://")


@check_type("websocket", read_only=True,
            imports=("websockets.sync.client", "websockets.exceptions"))
def run(spec: Websocket, ctx: CheckContext) -> None:
    """A websocket connects, answers as expected and stays connected."""
    try:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
        from websockets.sync.client import connect
    except ImportError:
        raise CheckFailed(f"the websocket check needs websockets: {INSTALL}") from None
    ctx.record(url=spec.url)
    if spec.stay >= ctx.timeout:
        raise CheckFailed(f"stay ({format_duration(spec.stay)}) must be shorter than the "
                          f"item's timeout ({format_duration(ctx.timeout)}): raise 'timeout'")
    context = None
    if spec.url.startswith("wss://"):
        context = ssl.create_default_context(
            cafile=str(ctx.path(spec.ca_bundle)) if spec.ca_bundle else None)
    started = time.monotonic()
    messages = 0
    matched = spec.expect is None
    try:
        with connect(spec.url, additional_headers=spec.headers or None, ssl=context,
                     open_timeout=ctx.remaining(), close_timeout=1) as ws:
            if spec.send is not None:
                ws.send(spec.send)
            stay_until = time.monotonic() + spec.stay
            while True:
                done = matched and messages >= spec.min_messages
                if done and time.monotonic() >= stay_until:
                    break
                if ctx.remaining() <= 0:
                    raise CheckFailed(_short(spec, messages, matched, ctx))
                wait = (stay_until - time.monotonic()) if done else ctx.remaining()
                try:
                    message = ws.recv(timeout=max(0.0, min(wait, ctx.remaining())))
                except TimeoutError:
                    if done:
                        continue
                    raise CheckFailed(_short(spec, messages, matched, ctx)) from None
                messages += 1
                text = message if isinstance(message, str) else message.decode(errors="replace")
                if messages == 1:
                    ctx.record(**{"first message": text[:120]})
                if spec.expect is not None and re.search(spec.expect, text):
                    matched = True
    except ConnectionClosed as exc:
        lasted = time.monotonic() - started
        code = exc.rcvd.code if exc.rcvd is not None else "none"
        ctx.record(messages=messages, **{"connected for": format_duration(lasted)})
        raise CheckFailed(f"the connection dropped after {format_duration(lasted)}"
                          + (f" of {format_duration(spec.stay)}" if spec.stay else "")
                          + f" (close code {code})") from None
    except (InvalidHandshake, InvalidURI) as exc:
        raise CheckFailed(f"{spec.url}: the websocket handshake failed: {exc}") from None
    except ssl.SSLCertVerificationError as exc:
        raise CheckFailed(f"{spec.url}: TLS certificate not trusted: "
                          f"{exc.verify_message}") from None
    except OSError as exc:
        raise CheckFailed(f"{spec.url}: {describe_error(exc, ctx.timeout)}") from None
    ctx.record(messages=messages,
               **{"connected for": format_duration(time.monotonic() - started)})


def _short(spec: Websocket, messages: int, matched: bool, ctx: CheckContext) -> str:
    ctx.record(messages=messages)
    if not matched:
        return (f"expected a message matching '{spec.expect}' within "
                f"{format_duration(ctx.timeout)}; got {messages} messages")
    return (f"expected at least {spec.min_messages} messages within "
            f"{format_duration(ctx.timeout)}; got {messages}")
