"""``allowed_signers``: who may sign, in OpenSSH's own format (``ssh-keygen(1)``,
section ALLOWED SIGNERS), so that ``ssh-keygen -Y verify`` reads the same file::

    # principals      options                                           key
    alice@example.com namespaces="deploycheck"                          ssh-ed25519 AAAAC3…
    bob@example.com   valid-after="20260101",valid-before="20270101Z"   ecdsa-sha2-nistp256 AA…

Principals are comma-separated patterns (``*`` and ``?`` wildcards, ``!`` negates);
options are ``namespaces="…"`` (patterns too), ``valid-after`` / ``valid-before``
(``YYYYMMDD[HHMM[SS]]``, ``Z`` for UTC, else local time) and ``cert-authority``
(certificate authorities; their lines never match a plain key). A malformed line
makes the whole file invalid: fail closed.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from . import fingerprint
from .sshsig import KEY_TYPES, PublicKey, SignatureError

_OPTION = re.compile(r'([A-Za-z-]+)(?:="([^"]*)")?(?:,|$)')
_LOOKS_LIKE_KEY = re.compile(r"^(ssh-|ecdsa-|sk-)")
_TIME = re.compile(r"^(\d{8})(\d{4}(\d{2})?)?(Z)?$")
_KEY_LINE = re.compile(r"^(?:\S+\s+)?((?:ssh|ecdsa|sk)-\S+\s+[A-Za-z0-9+/]+={0,2})(?:\s.*)?$")


class SignersError(SignatureError):
    """The allowed_signers file is malformed (names the line)."""


@dataclass(frozen=True)
class AllowedSigner:
    principals: tuple[str, ...]
    key: PublicKey
    line: int
    namespaces: tuple[str, ...] | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    cert_authority: bool = False

    def names(self, principal: str) -> bool:
        return match_patterns(principal, self.principals)


def match_patterns(value: str, patterns: tuple[str, ...]) -> bool:
    """OpenSSH's pattern-list match: any positive pattern matches and no ``!`` one does."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(value, pattern[1:]):
                return False
        elif fnmatch.fnmatchcase(value, pattern):
            matched = True
    return matched


def _time(value: str, path: str, line: int) -> datetime:
    m = _TIME.match(value)
    if m is None:
        raise SignersError(f"{path}:{line}: {value!r} is not a time like 20260101 or "
                           "202601011200Z")
    digits = m.group(1) + (m.group(2) or "0000")
    try:
        moment = datetime.strptime(digits.ljust(14, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        raise SignersError(f"{path}:{line}: {value!r} is not a valid date") from None
    return moment.replace(tzinfo=timezone.utc) if m.group(4) else moment.astimezone()


def parse(text: str, path: str = "allowed_signers") -> list[AllowedSigner]:
    """Every signer of an allowed_signers file; a malformed line raises SignersError."""
    signers = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        principals, _, rest = line.partition(" ")
        rest = rest.strip()
        options: dict[str, str | None] = {}
        first = rest.split(None, 1)[0] if rest else ""
        if first not in KEY_TYPES and _LOOKS_LIKE_KEY.match(first):
            raise SignersError(f"{path}:{number}: key type {first!r} is not accepted "
                               f"(accepted: {', '.join(KEY_TYPES)})")
        if rest and first not in KEY_TYPES:
            spec, _, rest = _split_options(rest)
            pos = 0
            while pos < len(spec):
                m = _OPTION.match(spec, pos)
                if m is None:
                    raise SignersError(f"{path}:{number}: cannot read the options {spec!r}")
                options[m.group(1).lower()] = m.group(2)
                pos = m.end()
        unknown = set(options) - {"namespaces", "valid-after", "valid-before", "cert-authority"}
        if unknown:
            raise SignersError(f"{path}:{number}: unknown option {sorted(unknown)[0]!r}")
        after, before = (_time(options[name] or "", path, number) if name in options else None
                         for name in ("valid-after", "valid-before"))
        try:
            key = PublicKey.from_openssh(rest)
        except SignatureError as exc:
            raise SignersError(f"{path}:{number}: {exc}") from None
        namespaces = options.get("namespaces")
        signers.append(AllowedSigner(
            principals=tuple(p for p in principals.split(",") if p),
            key=key,
            line=number,
            namespaces=tuple(namespaces.split(",")) if namespaces is not None else None,
            valid_after=after,
            valid_before=before,
            cert_authority="cert-authority" in options,
        ))
    return signers


def _split_options(rest: str) -> tuple[str, str, str]:
    """Options end at the first space outside quotes."""
    quoted = False
    for n, char in enumerate(rest):
        if char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            return rest[:n], " ", rest[n + 1:].strip()
    return rest, "", ""


def authorize(signers: list[AllowedSigner], key: PublicKey, principal: str, namespace: str,
              at: datetime) -> AllowedSigner:
    """The line that lets ``key`` sign as ``principal`` in ``namespace`` at time ``at``;
    otherwise a SignatureError saying what is missing."""
    lines = [s for s in signers if s.key == key and not s.cert_authority]
    if not lines:
        raise SignatureError(f"key {key.fingerprint} is not in allowed_signers")
    for_principal = [s for s in lines if s.names(principal)]
    if not for_principal:
        listed = ", ".join(sorted({p for s in lines for p in s.principals}))
        raise SignatureError(f"key {key.fingerprint} is allowed for {listed}, not for "
                             f"{principal!r}")
    reasons = []
    for signer in for_principal:
        if signer.namespaces is not None and not match_patterns(namespace, signer.namespaces):
            reasons.append(f"allowed_signers line {signer.line} limits the key to namespaces "
                           f"{','.join(signer.namespaces)}")
        elif signer.valid_after is not None and at < signer.valid_after:
            reasons.append(f"allowed_signers line {signer.line} makes the key valid only "
                           f"after {signer.valid_after:%Y-%m-%d %H:%M %Z}")
        elif signer.valid_before is not None and at >= signer.valid_before:
            reasons.append(f"allowed_signers line {signer.line} made the key valid only "
                           f"before {signer.valid_before:%Y-%m-%d %H:%M %Z}")
        else:
            return signer
    raise SignatureError("; ".join(reasons))


def revocation(text: str) -> str:
    """A ``revoked:`` entry as the key's ``SHA256:…`` fingerprint: the fingerprint as
    :func:`.fingerprint.parse` reads it, or the public key (a ``.pub`` or allowed_signers
    line); ValueError saying what to give instead."""
    key = _KEY_LINE.match(text.strip())
    if key is None:
        return fingerprint.parse(text)
    try:
        return PublicKey.from_openssh(key.group(1)).fingerprint
    except SignatureError as exc:
        raise ValueError(f"not a key fingerprint, nor a valid public key: {exc}") from None
