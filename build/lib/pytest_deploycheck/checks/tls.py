"""``tls``: a TLS certificate is installed, trusted, for the right name, and not about
to expire; the server speaks a recent enough TLS.

.. code-block:: yaml

    check:
      tls:
        host: api.example.com        # required
        port: 443                    # optional, default 443
        server_name: api.example.com # optional: name to check (SNI), default host
        ca_bundle: certs/ca.pem      # optional: trust these CAs instead of the system's
        min_days_left: 14            # optional, default 0 (not expired)
        min_version: "1.2"           # optional: "1.2" (default) or "1.3"

Evidence: ``subject``, ``issuer``, ``not after``, ``days left``, ``version``. When the
chain is not trusted the certificate is fetched again without verification, so the
evidence still says what is installed.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Literal

from cryptography import x509
from pydantic import Field

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ._net import describe_error

_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


@dataclass(frozen=True)
class Tls:
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 443
    server_name: str | None = None
    ca_bundle: str | None = None
    min_days_left: Annotated[int, Field(ge=0)] = 0
    min_version: Literal["1.2", "1.3"] = "1.2"


def _handshake(spec: Tls, ctx: CheckContext, context: ssl.SSLContext) -> tuple[bytes, str]:
    name = spec.server_name or spec.host
    with socket.create_connection((spec.host, spec.port), timeout=ctx.remaining()) as raw:
        raw.settimeout(ctx.remaining())
        with context.wrap_socket(raw, server_hostname=name) as tls:
            return tls.getpeercert(binary_form=True) or b"", tls.version() or "?"


def _record(ctx: CheckContext, der: bytes) -> datetime | None:
    if not der:
        return None
    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    days = (not_after - datetime.now(timezone.utc)).total_seconds() / 86400
    ctx.record(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
               **{"not after": not_after.strftime("%Y-%m-%d %H:%M UTC"),
                  "days left": int(days) if days >= 0 else f"{int(days)} (expired)"})
    return not_after


@check_type("tls", read_only=True)
def run(spec: Tls, ctx: CheckContext) -> None:
    """A TLS certificate is trusted, for the right name, not about to expire."""
    address = f"{spec.host}:{spec.port}"
    ctx.record(address=address)
    context = ssl.create_default_context(
        cafile=str(ctx.path(spec.ca_bundle)) if spec.ca_bundle else None)
    context.minimum_version = _VERSIONS[spec.min_version]
    try:
        der, version = _handshake(spec, ctx, context)
    except ssl.SSLCertVerificationError as exc:
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        with contextlib.suppress(OSError, ValueError):  # what is installed, for the evidence
            _record(ctx, _handshake(spec, ctx, insecure)[0])
        raise CheckFailed(f"{address}: certificate not trusted: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        if "VERSION" in (exc.reason or "").upper():
            raise CheckFailed(f"{address}: the server does not offer TLS {spec.min_version} "
                              f"or newer ({exc.reason})") from None
        raise CheckFailed(f"{address}: TLS handshake failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise CheckFailed(f"{address}: {describe_error(exc, ctx.timeout)}") from None
    not_after = _record(ctx, der)
    ctx.record(version=version)
    if not_after is not None and spec.min_days_left:
        days = (not_after - datetime.now(timezone.utc)).total_seconds() / 86400
        if days < spec.min_days_left:
            raise CheckFailed(f"expected the certificate of {address} to be valid for at least "
                              f"{spec.min_days_left} more days, it expires in {days:.1f} days "
                              f"({not_after:%Y-%m-%d})")
