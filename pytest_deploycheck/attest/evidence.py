"""Signed run evidence: the JSON of a run, sealed so that an auditor can prove later that
the file attached to a release is the one the run wrote, and re-check what it rests on.

**Sealing** (``--deploycheck-sign-evidence KEY`` or ``deploycheck seal RUN.json --key
KEY``) writes, beside ``RUN.json``:

- ``RUN.json.sig``: an SSH signature (SSHSIG, ``ssh-keygen -Y sign``, namespace
  ``deploycheck-evidence``) of the file's exact bytes;
- ``RUN.intoto.json``: the run as an in-toto Statement with the test-result predicate
  (``https://in-toto.io/attestation/test-result/v0.1``) — subject: the run's JSON (and
  the commit, when the run was bound to one); ``result`` PASSED, WARNED or FAILED;
  ``configuration``: the checklist, allowed_signers and attestation files as resource
  descriptors with their SHA-256; ``passedTests`` / ``warnedTests`` / ``failedTests``:
  the items — and ``RUN.intoto.json.sig``, its signature.

**Verifying** (:func:`verify`, ``deploycheck verify-evidence RUN.json``) checks, and names
the cause of each failure: the signature of the exact bytes, by a key that
allowed_signers lets sign ``deploycheck-evidence`` (at the time of the run); the in-toto
statement's signature and that it describes these bytes; that every checklist,
allowed_signers and attestation file still in the repository has the digest the run
recorded; and that every sign-off the run counted is backed by an authentic entry of the
attestation files, valid at the time of the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import inputs
from ..changes import check_document, ref_of
from ..errors import DeploycheckError
from ..outcome import BLOCKING
from . import signers as signers_mod
from . import sshsig
from .sign import sign

NAMESPACE = "deploycheck-evidence"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://in-toto.io/attestation/test-result/v0.1"
_COMMIT = frozenset("0123456789abcdef")


class EvidenceError(DeploycheckError):
    """The evidence cannot be sealed or read (the message says why)."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def paths(run_json: Path) -> tuple[Path, Path, Path]:
    """``RUN.json.sig``, ``RUN.intoto.json`` and ``RUN.intoto.json.sig`` beside ``run_json``."""
    statement = run_json.with_name(run_json.name.removesuffix(".json") + ".intoto.json")
    return (run_json.with_name(run_json.name + ".sig"), statement,
            statement.with_name(statement.name + ".sig"))


def statement(document: Mapping[str, Any], name: str, data: bytes) -> dict[str, Any]:
    """The in-toto Statement of the run whose JSON (``data``, named ``name``) is
    ``document``."""
    items = document["items"]
    passed = [ref_of(i) for i in items if i.get("outcome") == "passed"]
    warned = [ref_of(i) for i in items if i.get("outcome") == "waived"]
    failed = [ref_of(i) for i in items if i.get("outcome") in BLOCKING]
    gates = document.get("gates") or []
    if document.get("ready"):
        result = "PASSED" if not warned else "WARNED"
    elif failed or not gates or any(g.get("verdict") == "BLOCKED" for g in gates):
        result = "FAILED"
    else:
        result = "WARNED"  # nothing failed; some items did not run
    subject: list[dict[str, Any]] = [{"name": name, "digest": {"sha256": digest(data)}}]
    commit = str(document.get("commit") or "")
    if len(commit) in (40, 64) and set(commit) <= _COMMIT:
        subject.append({"name": f"{document.get('project')}@{document.get('release')}",
                        "digest": {"gitCommit": commit}})
    files = document.get("files") or {}
    configuration = [{"name": path, "digest": {"sha256": value.removeprefix("sha256:")}}
                     for group in ("checklists", "allowed_signers", "attestations")
                     for path, value in sorted((files.get(group) or {}).items())
                     if str(value).startswith("sha256:")]
    return {"_type": STATEMENT_TYPE, "subject": subject, "predicateType": PREDICATE_TYPE,
            "predicate": {"result": result, "configuration": configuration,
                          "passedTests": passed, "warnedTests": warned, "failedTests": failed}}


def run_time(document: Mapping[str, Any], where: str) -> datetime:
    """When the run of ``document`` finished (else started): the moment sign-offs and
    keys are judged at; EvidenceError when it has none."""
    try:
        at = datetime.fromisoformat(str(document.get("finished") or document.get("started")))
    except ValueError:
        raise EvidenceError(f"{where}: the run has no time it finished") from None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def seal(run_json: Path, key: Path) -> list[Path]:
    """Sign the run's JSON at ``run_json`` with ``key`` and write its in-toto statement,
    signed too (one ``ssh-keygen`` run); the files written."""
    try:
        data = inputs.read_bytes(run_json, limit=inputs.MAX_REPORT)
        document = check_document(json.loads(inputs.decode(data)), str(run_json))
    except (inputs.Unreadable, ValueError) as exc:
        raise EvidenceError(f"cannot seal {run_json}: {exc}") from None
    signature_path, statement_path, statement_sig = paths(run_json)
    text = json.dumps(statement(document, run_json.name, data), indent=2) + "\n"
    run_sig, text_sig = sign([inputs.decode(data), text], key, namespace=NAMESPACE)
    statement_path.write_text(text, encoding="utf-8")
    signature_path.write_text(run_sig, encoding="utf-8")
    statement_sig.write_text(text_sig, encoding="utf-8")
    return [signature_path, statement_path, statement_sig]


@dataclass
class Findings:
    """What verifying found: each check that held, and each problem, in words."""

    held: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _signed_by(signature_text: str, data: bytes, allowed: list[signers_mod.AllowedSigner],
               at: datetime, what: str) -> str:
    """Who signed ``data`` (``principal (key SHA256:…)``); EvidenceError saying why not."""
    try:
        signature = sshsig.parse(signature_text)
        sshsig.verify(signature, data, NAMESPACE)
    except sshsig.SignatureError as exc:
        raise EvidenceError(f"{what}: {exc}") from None
    key = signature.public_key
    lines = [s for s in allowed if s.key == key and not s.cert_authority]
    if not lines:
        raise EvidenceError(f"{what}: signed with key {key.fingerprint}, which is not in "
                            "allowed_signers")
    reasons = []
    for line in lines:
        try:
            signers_mod.authorize(allowed, key, line.principals[0], NAMESPACE, at)
        except sshsig.SignatureError as exc:
            reasons.append(str(exc))
            continue
        return f"{line.principals[0]} (key {key.fingerprint})"
    raise EvidenceError(f"{what}: key {key.fingerprint} may not sign {NAMESPACE}: "
                        + "; ".join(reasons))


def _read(path: Path, what: str) -> bytes:
    try:
        return inputs.read_bytes(path, limit=inputs.MAX_REPORT)
    except inputs.Unreadable as exc:
        raise EvidenceError(f"{what}: {exc}") from None


def verify(run_json: Path, rootdir: Path, allowed: list[signers_mod.AllowedSigner],
           ledger: Iterable[tuple[Mapping[str, str], str | None]]) -> Findings:
    """Verify the sealed evidence at ``run_json`` (see the module's description):
    ``allowed`` the allowed_signers to trust, ``ledger`` every attestation entry of the
    repository as (what it states, why it does not count at the time of the run, or None)."""
    found = Findings()
    data = _read(run_json, str(run_json))
    try:
        document = check_document(json.loads(inputs.decode(data)), str(run_json))
    except (inputs.Unreadable, ValueError) as exc:
        found.problems.append(f"{run_json}: {exc}")
        return found
    try:
        at = run_time(document, str(run_json))
    except EvidenceError as exc:
        found.problems.append(str(exc))
        return found
    signature_path, statement_path, statement_sig = paths(run_json)
    try:
        signature = _read(signature_path, f"{run_json.name}: not sealed (no "
                                          f"{signature_path.name})")
        who = _signed_by(inputs.decode(signature), data, allowed, at, run_json.name)
        found.held.append(f"{run_json.name}: sealed by {who}, sha256 {digest(data)}")
    except (EvidenceError, inputs.Unreadable) as exc:
        found.problems.append(str(exc))
    _check_statement(found, document, run_json, data, statement_path, statement_sig,
                     allowed, at)
    _check_files(found, document, rootdir)
    _check_signoffs(found, document, ledger)
    return found


def _check_statement(found: Findings, document: Mapping[str, Any], run_json: Path,
                     data: bytes, path: Path, sig: Path,
                     allowed: list[signers_mod.AllowedSigner], at: datetime) -> None:
    if not path.exists():
        found.problems.append(f"{path.name}: missing (the in-toto statement of the run)")
        return
    try:
        text = _read(path, path.name)
        who = _signed_by(inputs.decode(_read(sig, f"{path.name}: not signed (no {sig.name})")),
                         text, allowed, at, path.name)
        written = json.loads(text)
    except (EvidenceError, inputs.Unreadable, ValueError) as exc:
        found.problems.append(str(exc))
        return
    expected = statement(document, run_json.name, data)
    if written != expected:
        differs = sorted(k for k in ("subject", "predicateType", "predicate", "_type")
                         if written.get(k) != expected.get(k))
        found.problems.append(f"{path.name}: does not describe {run_json.name} as it is "
                              f"(differs in {', '.join(differs) or 'its fields'})")
        return
    found.held.append(f"{path.name}: signed by {who}; result "
                      f"{expected['predicate']['result']}")


def _check_files(found: Findings, document: Mapping[str, Any], rootdir: Path) -> None:
    files = document.get("files") or {}
    checked = 0
    for group in ("checklists", "allowed_signers", "attestations"):
        for name, then in sorted((files.get(group) or {}).items()):
            path = rootdir / name
            if not (path.exists() or path.is_symlink()):
                found.held.append(f"{name}: no longer in the repository (not checked)")
                continue
            try:
                now = "sha256:" + digest(inputs.read_bytes(path))
            except inputs.Unreadable as exc:
                found.problems.append(f"{name}: cannot read it: {exc}")
                continue
            checked += 1
            if now != then:
                found.problems.append(f"{name}: changed since the run ({then[:19]}… then, "
                                      f"{now[:19]}… now)")
    found.held.append(f"{checked} file{'s' if checked != 1 else ''} checked against the "
                      "digests of the run")


def _check_signoffs(found: Findings, document: Mapping[str, Any],
                    ledger: Iterable[tuple[Mapping[str, str], str | None]]) -> None:
    entries = list(ledger)
    counted = 0
    for item in document["items"]:
        for signoff in item.get("signers") or ():
            counted += 1
            wanted = {"checklist": item.get("checklist"), "item": item.get("id"),
                      "principal": signoff.get("principal"), "role": signoff.get("role"),
                      "fingerprint": signoff.get("fingerprint"),
                      "kind": signoff.get("kind", "attestation")}
            bound = {"item_digest": item.get("digest"), "release": document.get("release")}
            matches = [(states, why) for states, why in entries
                       if all(states.get(k) == v for k, v in wanted.items())]
            if any(why is None and all(states.get(k) == v for k, v in bound.items() if v)
                   for states, why in matches):
                continue
            why = next((why for _, why in matches if why), None) or (
                "it signs another version of the item or another release" if matches else
                "no such entry in the attestation files")
            found.problems.append(
                f"{ref_of(item)}: the sign-off by {signoff.get('principal')} "
                f"({signoff.get('role')}) with key {signoff.get('fingerprint')} is not backed "
                f"by a valid entry at the time of the run: {why}")
    found.held.append(f"{counted} sign-off{'s' if counted != 1 else ''} of the run checked "
                      "against the attestation files")


def ledger_of(verdicts: Iterable[Any]) -> list[tuple[dict[str, str], str | None]]:
    """What each checked attestation entry (a :class:`.store.Verdict`) states, and why
    it does not count (None when it does)."""
    found = []
    for verdict in verdicts:
        claim = verdict.statement
        if claim is None:
            states = {**verdict.claims, "kind": verdict.claims.get("deploycheck", ""),
                      "fingerprint": verdict.fingerprint or ""}
        else:
            states = {"checklist": claim.checklist, "item": claim.item,
                      "principal": claim.principal, "role": claim.role,
                      "fingerprint": verdict.fingerprint or "", "kind": claim.kind,
                      "item_digest": claim.item_digest, "release": claim.release}
        found.append((states, verdict.error))
    return found
