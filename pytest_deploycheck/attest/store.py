"""The attestation file and what its signed entries say about each manual item.

The file is YAML: a list of entries, each a statement and its armored signature
over the statement's exact bytes. Entries are only ever appended, so several
people add theirs and git merges them::

    - statement: |
        deploycheck: attestation
        project: payments
        …
      signature: |
        -----BEGIN SSH SIGNATURE-----
        …
        -----END SSH SIGNATURE-----

Each entry is checked in this order, and the first failure is its reason:
armor and blob parsed strictly; the key is in allowed_signers and not revoked;
the signature verifies over the statement's bytes; only then the statement is
read (strict YAML, no unknown field); the key may sign as the statement's
principal (namespace, validity dates); the principal holds the role; the
statement's times (issued no later than now plus the allowed clock skew, lifetime
within the policy). An entry that passes all of these is authentic; it counts while it
has not expired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .. import inputs
from ..errors import ChecklistError
from ..project import Project
from ..yamlsrc import load
from . import signers as signers_mod
from . import sshsig
from . import statement as statement_mod
from .signers import AllowedSigner
from .sshsig import SignatureError
from .statement import Statement


class AttestationFileError(SignatureError):
    """The attestation file cannot be read as a list of entries."""


@dataclass(frozen=True)
class Trust:
    """Who may sign what: allowed_signers, roles, revocations and the time policy."""

    signers: Sequence[AllowedSigner]
    roles: Mapping[str, Sequence[str]] = field(default_factory=dict)  # role → principals
    revoked: frozenset[str] = frozenset()  # SHA256:… fingerprints
    max_ttl: timedelta = timedelta(days=30)
    clock_skew: timedelta = timedelta(minutes=5)
    namespace: str = sshsig.NAMESPACE


@dataclass(frozen=True)
class Entry:
    statement: str
    signature: str
    where: str  # file:line, for messages


@dataclass(frozen=True)
class Verdict:
    """One entry, checked: its statement when it is authentic (a good signature by a
    trusted key, a well-formed statement by a principal holding its role, within the
    time policy), and why it does not count, if it does not — for an authentic entry,
    only that it has expired."""

    entry: Entry
    statement: Statement | None = None
    fingerprint: str | None = None
    error: str | None = None
    # what an entry that is not authentic claims to sign (see statement.claims)
    claims: Mapping[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Authentic and in time: it counts wherever its bindings match."""
        return self.error is None

    @property
    def authentic(self) -> bool:
        return self.statement is not None


def read_entries(text: str, path: str) -> list[Entry]:
    """The entries of an attestation file (strict YAML; a mistake invalidates it)."""
    try:
        source = load(text, path)
    except ChecklistError as exc:
        raise AttestationFileError(str(exc.problems[0])) from None
    data = source.data if source.data is not None else []
    if not isinstance(data, list):
        raise AttestationFileError(f"{path}: expected a list of entries")
    entries = []
    for n, raw in enumerate(data):
        line = source.mark((n,))[0]
        if not isinstance(raw, dict) or set(raw) != {"statement", "signature"} or not all(
                isinstance(v, str) for v in raw.values()):
            raise AttestationFileError(f"{path}:{line}: an entry has exactly two text fields, "
                                       "statement and signature")
        entries.append(Entry(raw["statement"], raw["signature"], f"{path}:{line}"))
    return entries


def verify_entry(entry: Entry, trust: Trust, now: datetime) -> Verdict:
    """Check one entry in the documented order; the first failure is the reason."""
    fingerprint = None
    try:
        signature = sshsig.parse(entry.signature)
        key = signature.public_key
        fingerprint = key.fingerprint
        if not any(s.key == key for s in trust.signers):
            raise SignatureError(f"key {fingerprint} is not in allowed_signers")
        if fingerprint in trust.revoked:
            raise SignatureError(f"key {fingerprint} is revoked")
        sshsig.verify(signature, entry.statement.encode("utf-8"), trust.namespace)
        statement = statement_mod.parse(entry.statement)
        signers_mod.authorize(list(trust.signers), key, statement.principal, trust.namespace,
                              now)
        if statement.principal not in trust.roles.get(statement.role, ()):
            raise SignatureError(f"{statement.principal} does not hold the role "
                                 f"{statement.role!r}")
        if statement.issued_at > now + trust.clock_skew:
            raise SignatureError(f"the statement is issued in the future "
                                 f"({statement_mod.format_time(statement.issued_at)})")
        if statement.expires_at - statement.issued_at > trust.max_ttl:
            raise SignatureError(f"the statement is valid for longer than the policy's "
                                 f"{trust.max_ttl.days} days")
    except SignatureError as exc:
        return Verdict(entry, None, fingerprint, str(exc), statement_mod.claims(entry.statement))
    if now >= statement.expires_at:  # authentic, and no longer counting
        return Verdict(entry, statement, fingerprint, f"the statement expired at "
                       f"{statement_mod.format_time(statement.expires_at)}")
    return Verdict(entry, statement, fingerprint)


class LedgerError(SignatureError):
    """allowed_signers or an attestation file cannot be used (fails every manual item)."""


def trust_from(project: Project, rootdir: Path) -> Trust:
    """allowed_signers, roles, revocations and the time policy of ``project``."""
    path = rootdir / project.signers
    try:
        text = inputs.read_text(path)
    except inputs.Unreadable as exc:
        raise LedgerError(f"cannot read allowed_signers {project.signers}: {exc}") from None
    try:
        allowed = signers_mod.parse(text, project.signers)
    except SignatureError as exc:
        raise LedgerError(f"allowed_signers is invalid: {exc}") from None
    return Trust(allowed, roles=project.roles, revoked=project.revoked,
                 max_ttl=timedelta(seconds=project.max_ttl),
                 clock_skew=timedelta(seconds=project.clock_skew))


def attestation_files(where: Path) -> list[Path]:
    """The attestation files at ``where``: the file itself (a broken link too, so that
    reading it says why), or a directory's YAML files; none while nothing is there."""
    if where.is_dir():
        return sorted(p for p in where.iterdir() if p.suffix in (".yaml", ".yml"))
    return [where] if where.exists() or where.is_symlink() else []


def load_ledger(project: Project, rootdir: Path, where: Path | None,
                now: datetime) -> tuple[Trust, list[Verdict]]:
    """Every entry of the project's attestation files, checked; LedgerError if the
    signers or a file cannot be used."""
    trust = trust_from(project, rootdir)
    verdicts = []
    for path in attestation_files(where or rootdir / project.attestations):
        shown = path.relative_to(rootdir).as_posix() if path.is_relative_to(rootdir) else str(path)
        try:
            entries = read_entries(inputs.read_text(path), shown)
        except inputs.Unreadable as exc:
            raise LedgerError(f"cannot read the attestation file {shown}: {exc}") from None
        except SignatureError as exc:
            raise LedgerError(f"the attestation file is invalid: {exc}") from None
        verdicts += [verify_entry(entry, trust, now) for entry in entries]
    return trust, verdicts
