"""``tcp``: a port accepts connections — or, with ``expect: closed``, refuses them.

.. code-block:: yaml

    check:
      tcp:
        host: db.internal      # required
        port: 5432             # required
        expect: open           # optional: open (default) or closed

Evidence: ``address``, ``connect time`` (open) or ``refused`` (closed).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import format_duration
from ._net import describe_error


@dataclass(frozen=True)
class Tcp:
    host: str
    port: Annotated[int, Field(ge=1, le=65535)]
    expect: Literal["open", "closed"] = "open"


@check_type("tcp", read_only=True)
def run(spec: Tcp, ctx: CheckContext) -> None:
    """A TCP port is open (accepts connections) or closed."""
    address = f"{spec.host}:{spec.port}"
    ctx.record(address=address)
    started = time.monotonic()
    try:
        with socket.create_connection((spec.host, spec.port), timeout=ctx.remaining()):
            pass
    except OSError as exc:
        reason = describe_error(exc, ctx.timeout)
        if spec.expect == "closed" and not isinstance(exc, socket.gaierror):
            ctx.record(refused=reason)
            return
        raise CheckFailed(f"expected {address} to be open: {reason}") from None
    ctx.record(**{"connect time": format_duration(time.monotonic() - started)})
    if spec.expect == "closed":
        raise CheckFailed(f"expected {address} to be closed, but it accepted a connection")
