"""``dns``: DNS records are configured (needs ``pip install 'pytest-deploycheck[dns]'``).

.. code-block:: yaml

    check:
      dns:
        name: api.example.com          # required
        type: A                        # optional: A (default), AAAA, CNAME, MX, TXT, NS
        equals: [203.0.113.10, 203.0.113.11]   # optional: exactly these values …
        contains: [203.0.113.10]       # … or at least these
        resolver: 10.0.0.2             # optional: ask this server (default: the system's)
        port: 53                       # optional

Values compare as text: MX as ``10 mail.example.com.``, names with their final dot
(either form is accepted in the spec). Evidence: ``answers``, ``ttl``, ``resolver``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field
from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type

INSTALL = "pip install 'pytest-deploycheck[dns]'"


@dataclass(frozen=True)
class Dns:
    name: str
    type: Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"] = "A"
    equals: list[str] = field(default_factory=list)
    contains: list[str] = field(default_factory=list)
    resolver: str | None = None
    port: Annotated[int, Field(ge=1, le=65535)] = 53

    def __post_init__(self) -> None:
        if self.equals and self.contains:
            raise PydanticCustomError("deploycheck_invalid", "give equals or contains, not both")


def _norm(value: str, record: str) -> str:
    value = value.strip().strip('"') if record == "TXT" else value.strip()
    return value.rstrip(".").lower() if record != "TXT" else value


ATTEMPT = 2.0  # seconds: one query's wait before it is sent again (dnspython's default)


def _resolve(resolver: Any, spec: Dns, ctx: CheckContext) -> Any:
    """``resolver.resolve`` within the check's time: one attempt at a time, because
    dnspython sleeps its back-off between rounds without looking at the lifetime (up to 2 s
    past it, so a 10 s check overran its limit and was abandoned)."""
    import dns.exception

    while True:
        budget = min(ATTEMPT, ctx.remaining())
        resolver.timeout = budget
        try:
            return resolver.resolve(spec.name, spec.type, lifetime=budget,
                                    raise_on_no_answer=True)
        except dns.exception.Timeout:
            if ctx.remaining() <= 0.05:
                raise


@check_type("dns", read_only=True, imports=("dns.resolver", "dns.exception"))
def run(spec: Dns, ctx: CheckContext) -> None:
    """DNS records exist with the expected values."""
    try:
        import dns.exception
        import dns.resolver
    except ImportError:
        raise CheckFailed(f"the dns check needs dnspython: {INSTALL}") from None
    resolver = dns.resolver.Resolver(configure=spec.resolver is None)
    if spec.resolver is not None:
        resolver.nameservers = [spec.resolver]
    resolver.port = spec.port
    ctx.record(resolver=f"{resolver.nameservers[0]}:{spec.port}" if resolver.nameservers
               else "none")
    try:
        answer = _resolve(resolver, spec, ctx)
    except dns.resolver.NXDOMAIN:
        raise CheckFailed(f"{spec.name} does not exist (NXDOMAIN)") from None
    except dns.resolver.NoAnswer:
        raise CheckFailed(f"{spec.name} has no {spec.type} record") from None
    except dns.exception.Timeout:
        raise CheckFailed(f"no answer for {spec.name} {spec.type} within "
                          f"{ctx.timeout:g} s") from None
    except dns.exception.DNSException as exc:
        raise CheckFailed(f"{spec.name} {spec.type}: {exc}") from None
    found = sorted({_norm(r.to_text(), spec.type) for r in answer})
    ctx.record(answers=", ".join(found), ttl=answer.rrset.ttl if answer.rrset else 0)
    wanted = sorted({_norm(v, spec.type) for v in spec.equals or spec.contains})
    if spec.equals and found != wanted:
        raise CheckFailed(f"expected {spec.name} {spec.type} = {', '.join(wanted)}; found "
                          f"{', '.join(found)}")
    missing = [v for v in wanted if v not in found]
    if spec.contains and missing:
        raise CheckFailed(f"expected {spec.name} {spec.type} to include {', '.join(missing)}; "
                          f"found {', '.join(found)}")
