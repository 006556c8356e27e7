"""``port``: something listens on a port (or nothing does).

.. code-block:: yaml

    check:
      port:
        port: 5432           # required
        address: 127.0.0.1   # optional: only this address (default: any)
        protocol: tcp        # optional: tcp (default) or udp
        listening: true      # optional, default true (false: nothing may listen)

Reads the host's listening sockets (``ss`` or ``netstat``, through pytest-testinfra):
on the item's target hosts with ``on:``, else on this machine — unlike ``tcp``, which
connects from here. Needs ``pip install 'pytest-deploycheck[hosts]'``.
Evidence: ``port``, ``listening on``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import target_of
from ..registry import check_type


@dataclass(frozen=True)
class Port:
    port: Annotated[int, Field(ge=1, le=65535)]
    address: str | None = None
    protocol: Literal["tcp", "udp"] = "tcp"
    listening: bool = True


def _split(socket: str) -> tuple[str, str, str]:
    """``tcp://0.0.0.0:22`` → (tcp, 0.0.0.0, 22); ``tcp://:::22`` → (tcp, ::, 22)."""
    protocol, _, rest = socket.partition("://")
    address, _, port = rest.rpartition(":")
    return protocol, address, port


@check_type("port", read_only=True, on_hosts=True)
def run(spec: Port, ctx: CheckContext) -> None:
    """A port is listening on the host (optionally on one address), or is not."""
    target = target_of(ctx.host)

    def probe(host: Any) -> list[str]:
        return list(host.socket.get_listening_sockets())

    addresses = sorted({address for protocol, address, port in map(_split, target.use(probe))
                        if protocol == spec.protocol and port == str(spec.port)
                        and (spec.address is None or address == spec.address)})
    shown = f"{spec.protocol}/{spec.port}" + (f" on {spec.address}" if spec.address else "")
    ctx.record(port=shown, **{"listening on": ", ".join(addresses) or "nothing"})
    if spec.listening and not addresses:
        raise CheckFailed(f"expected something listening on {shown} on {target.name}; "
                          "nothing is")
    if not spec.listening and addresses:
        raise CheckFailed(f"expected nothing listening on {shown} on {target.name}; "
                          f"listening on {', '.join(addresses)}")
