"""Writing sign-offs: find the item, render the statement, sign it with
``ssh-keygen -Y sign`` (so ssh-agent, passphrases and security keys work), and
append the entry to the signer's own attestation file."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import DeploycheckError
from ..model import Item
from ..problems import suggest
from ..project import Settings
from .signers import AllowedSigner
from .signoffs import Binding, decide
from .sshsig import NAMESPACE, PublicKey
from .statement import Statement
from .store import Verdict

SIGN_TIMEOUT = 120.0  # a person may have to type a passphrase or touch a key


class SignError(DeploycheckError):
    """The sign-off could not be written (the message says why)."""


def choose(items: Sequence[Item], wanted: Sequence[str], where: str,
           kind: str = "attestation") -> list[Item]:
    """The items ``wanted`` names, in order, each once: ``item``, ``checklist::item``, or
    ``checklist::section`` (its manual items to attest, its automated ones to waive)."""
    found: list[Item] = []
    for word in wanted:
        checklist_id, _, last = word.rpartition("::")
        section = [i for i in items if checklist_id and (i.checklist, i.section) == (
            checklist_id, last)]
        chosen = [i for i in section if (i.attest is not None) == (kind == "attestation")]
        if section and not chosen:
            raise SignError(f"section {word!r} has no {_KIND_WORD[kind]} items")
        for item in chosen or [find_item(items, word, where, kind)]:
            if item not in found:
                found.append(item)
    return found


_KIND_WORD = {"attestation": "manual", "waiver": "automated"}


def find_item(items: Sequence[Item], wanted: str, where: str,
              kind: str = "attestation") -> Item:
    """The item ``wanted`` (``item`` or ``checklist::item``) among ``items`` (of the
    checklists under ``where``): a manual one to attest, an automated one to waive."""
    checklist_id, _, item_id = wanted.rpartition("::")
    found = [i for i in items if i.id == item_id and checklist_id in ("", i.checklist)]
    if not found:
        close = suggest(wanted, [*(i.id for i in items), *(f"{i.checklist}::{i.id}"
                                                            for i in items)])
        raise SignError(f"no item {wanted!r} in the checklists under {where}"
                        + (f" — {close}" if close else ""))
    if len(found) > 1:
        raise SignError(f"{len(found)} checklists have an item {item_id!r}; name it as "
                        + " or ".join(f"{i.checklist}::{i.id}" for i in found))
    if kind == "attestation" and found[0].attest is None:
        raise SignError(f"item {found[0].id!r} is automated: it needs no sign-off (a failing "
                        "check can be waived with 'deploycheck waive')")
    if kind == "waiver" and found[0].attest is not None:
        raise SignError(f"item {found[0].id!r} is manual: sign it off with 'deploycheck "
                        "attest' (--decision rejected to refuse it)")
    return found[0]


def awaiting(items: Sequence[Item], role: str, verdicts: Sequence[Verdict],
             settings: Settings, *, principal: str, phase: str | None = None) -> list[Item]:
    """The manual items (of ``phase``) that apply in the environment and still await a
    sign-off by ``role`` that ``principal`` has not given yet."""
    found = []
    for item in items:
        if item.attest is None or role not in item.attest.roles or (
                phase is not None and item.phase != phase) or item.not_applicable_in(
                settings.environment) is not None:
            continue
        decision = decide(item.attest, verdicts, Binding.of(item, settings))
        if role in decision.awaiting and all(s.principal != principal
                                             for s in decision.signoffs):
            found.append(item)
    return found


def statement_for(item: Item, settings: Settings, *, principal: str, role: str, decision: str,
                  justification: str, lifetime: timedelta, environment: str | None,
                  commit: str | None, kind: str = "attestation") -> Statement:
    if settings.release is None:
        raise SignError("the release is unknown: pass --release VERSION (or set "
                        "DEPLOYCHECK_RELEASE, or 'release:' in the config)")
    roles = item.attest.roles if item.attest is not None else settings.project.waiver_roles
    if role not in roles:
        what = "a sign-off" if kind == "attestation" else "a waiver"
        raise SignError(f"item {item.id!r} takes {what} by "
                        f"{', '.join(roles) or 'nobody (set waiver_roles in the config)'}, "
                        f"not by {role!r}")
    if kind == "waiver" and not justification:
        raise SignError("a waiver needs a --justification")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return Statement(
        deploycheck=kind, project=settings.project.name, release=settings.release,
        checklist=item.checklist, item=item.id, item_digest=item.digest, principal=principal,
        role=role, decision=decision, justification=justification, issued_at=now,
        expires_at=now + lifetime, environment=environment, commit=commit)


def sign(texts: Sequence[str], key: Path, namespace: str = NAMESPACE) -> list[str]:
    """The armored signatures of ``texts`` by ``key`` (a private key, or a public key
    whose private half is in ssh-agent) in ``namespace``, made by one ssh-keygen run: one
    passphrase for all of them (a security key asks for a touch each)."""
    with tempfile.TemporaryDirectory() as tmp:
        messages = [Path(tmp) / f"statement-{n}" for n in range(len(texts))]
        for message, text in zip(messages, texts, strict=True):
            message.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run(
                ["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", namespace,
                 *map(str, messages)],
                capture_output=True, text=True, timeout=SIGN_TIMEOUT, check=False)
        except FileNotFoundError:
            raise SignError("ssh-keygen is not installed (package openssh-client)") from None
        except subprocess.TimeoutExpired:
            raise SignError(f"ssh-keygen did not finish within {SIGN_TIMEOUT:.0f} s") from None
        if done.returncode != 0:
            if "UNPROTECTED PRIVATE KEY FILE" in done.stderr:
                raise SignError(f"ssh-keygen will not use {key}: others can read it (run "
                                f"chmod 600 {key})")
            reason = done.stderr.strip().splitlines()[-1:] or ["no reason given"]
            raise SignError(f"ssh-keygen could not sign: {reason[0]}")
        return [Path(f"{m}.sig").read_text(encoding="utf-8") for m in messages]


def entry_text(statement: str, signature: str) -> str:
    """One entry of an attestation file, in YAML block scalars that keep the bytes."""
    indent = "".join(f"    {line}\n" for line in statement.splitlines())
    armored = "".join(f"    {line}\n" for line in signature.splitlines())
    return f"- statement: |\n{indent}  signature: |\n{armored}"


def append(path: Path, entry: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(entry)


def principal_of(allowed: Sequence[AllowedSigner], key: PublicKey,
                 holders: Sequence[str]) -> str:
    """Whom ``key`` signs as: the one principal allowed_signers names for it, or else the
    one holder of the role that the key may sign as (allowed_signers patterns such as
    ``*@example.com`` name nobody in particular); ValueError when it cannot be told."""
    entries = [s for s in allowed if s.key == key]
    names = sorted({p for s in entries for p in s.principals if not any(c in p for c in "*?!")})
    if len(names) == 1:
        return names[0]
    holding = sorted({h for h in holders if any(s.names(h) for s in entries)})
    if len(holding) == 1:
        return holding[0]
    if not entries:
        raise ValueError("this key is not in allowed_signers, so it cannot sign: add its line "
                         "there, or use another key")
    listed = ", ".join(names or holding or sorted({p for s in entries for p in s.principals}))
    raise ValueError(f"cannot tell who signs with this key (allowed_signers lets it sign as "
                     f"{listed}): pass --principal")
