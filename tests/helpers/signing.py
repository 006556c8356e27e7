"""Signed attestation entries for the tests' projects, signed by the real ssh-keygen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from pytest_deploycheck.attest.statement import Statement, render
from pytest_deploycheck.loader import load_checklist
from pytest_deploycheck.project import load_project

from .sshkeys import sign_with_ssh_keygen


def digest(root: Path, item: str, checklist: str = "checks/app.yaml") -> str:
    """The digest of ``item``'s definition, as sign-offs must name it."""
    settings = load_project(root / "checks" / "deploycheck.yaml", "deploycheck.yaml",
                            "x").select(None, None)
    loaded = load_checklist((root / checklist).read_text(), checklist, settings)
    return next(i.digest for i in loaded.items if i.id == item)


def sign(root: Path, keydir: Path, item: str, who: str = "alice@example.com",
         role: str = "security-lead", key: str = "ed25519", **changes: object) -> str:
    """One attestation-file entry approving ``item`` of checklist ``production``
    (release 1.4.0 of project payments); ``changes`` override statement fields
    (``deploycheck="waiver"`` makes it a waiver)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fields: dict[str, object] = {
        "deploycheck": "attestation", "project": "payments", "release": "1.4.0",
        "checklist": "production", "item": item,
        "item_digest": changes.pop("item_digest", None) or digest(root, item),
        "principal": who, "role": role, "decision": "approved", "justification": "Reviewed.",
        "issued_at": now - timedelta(minutes=1), "expires_at": now + timedelta(days=7)}
    fields.update(changes)
    text = render(Statement(**fields))  # type: ignore[arg-type]
    armored = sign_with_ssh_keygen(keydir, key, text.encode())
    indent = "".join(f"    {line}\n" for line in text.splitlines())
    sig = "".join(f"    {line}\n" for line in armored.splitlines())
    return f"- statement: |\n{indent}  signature: |\n{sig}"


def allowed_signers(keydir: Path, keys: dict[str, str]) -> str:
    """allowed_signers lines for principal → key name (a key made by ``keydir``)."""
    return "".join(
        f"{who} namespaces=\"deploycheck\" "
        f"{' '.join((keydir / f'{key}.pub').read_text().split()[:2])}\n"
        for who, key in keys.items())
