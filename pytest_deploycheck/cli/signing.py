"""The sign-off commands: ``attest`` and ``waive`` (sign), ``status`` (what still waits),
``verify`` (re-check every entry)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .project import items_of, open_project


def attest(args: argparse.Namespace) -> int:
    """Sign off manual items — named, a whole section (CHECKLIST::SECTION), or every item
    still awaiting your role (--awaiting) — or waive failing automated ones: show what will
    be signed, write each statement, sign them all with one ssh-keygen run, append them."""
    from datetime import datetime, timedelta, timezone

    from .. import inputs
    from ..attest import sign as sign_mod
    from ..attest import store
    from ..attest.signoffs import SignOffs
    from ..attest.sshsig import PublicKey, SignatureError
    from ..attest.statement import render
    from ..errors import ChecklistError
    from ..units import parse_duration

    name = f"deploycheck {args.command}"
    try:
        where, settings = open_project(args)
        items = items_of(where, settings)
        lifetime = timedelta(seconds=parse_duration(args.expires))
        key_path = Path(args.key).expanduser()
        public_path = key_path if key_path.suffix == ".pub" else Path(f"{key_path}.pub")
        key = PublicKey.from_openssh(inputs.read_text(public_path))
        trust = store.trust_from(settings.project, where.rootdir)
        principal = args.principal or sign_mod.principal_of(
            trust.signers, key, settings.project.roles.get(args.role, ()))
        if getattr(args, "awaiting", False):
            ledger = SignOffs(settings, where.rootdir).ledger()
            if isinstance(ledger, str):
                raise sign_mod.SignError(ledger)
            chosen = sign_mod.awaiting(items, args.role, ledger[1], settings,
                                       principal=principal, phase=args.phase)
            if not chosen:
                print(f"nothing awaits a sign-off by {principal} ({args.role})")
                return 0
        elif args.items:
            chosen = sign_mod.choose(items, args.items, ", ".join(where.shown(p)
                                                                   for p in where.paths),
                                     args.kind)
        else:
            raise ValueError("name the items (ITEM, CHECKLIST::ITEM or CHECKLIST::SECTION)"
                             + (", or pass --awaiting" if args.kind == "attestation" else ""))
        statements = [sign_mod.statement_for(
            item, settings, principal=principal, role=args.role, decision=args.decision,
            justification=args.justification, lifetime=lifetime, environment=args.environment,
            commit=args.commit, kind=args.kind) for item in chosen]
        if len(chosen) > 1 or args.dry_run:
            print(f"{'would sign' if args.dry_run else 'signing'} {len(chosen)} item"
                  f"{'s' if len(chosen) > 1 else ''} as {principal} ({args.role}):")
            for item in chosen:
                print(f"  {item.checklist}::{item.id} ({item.title})")
        if args.dry_run:
            return 0
        texts = [render(statement) for statement in statements]
        signatures = sign_mod.sign(texts, key_path)
        now = datetime.now(timezone.utc)
        for text, signature in zip(texts, signatures, strict=True):
            verdict = store.verify_entry(store.Entry(text, signature, "new entry"), trust, now)
            if not verdict.valid:
                print(f"{name}: not written, the signed "
                      f"{'entries' if len(texts) > 1 else 'entry'} would not count: "
                      f"{verdict.error}", file=sys.stderr)
                return 1
        target = where.rootdir / settings.project.attestations
        if not target.suffix:
            target = target / f"{principal}.yaml"
        sign_mod.append(target, "".join(sign_mod.entry_text(text, signature)
                                        for text, signature in zip(texts, signatures,
                                                                   strict=True)))
    except (ChecklistError, SignatureError, sign_mod.SignError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    for item, statement in zip(chosen, statements, strict=True):
        verb = "waived" if args.kind == "waiver" else statement.decision
        print(f"{verb} {item.checklist}::{item.id} for release {statement.release} "
              f"as {principal} ({args.role}) with key {key.fingerprint}; appended to "
              f"{where.shown(target)}")
    return 0


def verify(args: argparse.Namespace) -> int:
    """Re-check every signed entry, one line each: valid (it counts), expired, for an
    edited or removed item, a waiver, rejected — or INVALID, saying why. Exit 1 only if an
    entry is invalid (forged, tampered, an unknown or revoked key …): expired entries are
    history, so a CI step running verify stays green as attestation files grow."""
    from datetime import datetime, timezone

    from .. import inputs
    from ..attest import audit, store
    from ..attest.sshsig import SignatureError
    from ..errors import ChecklistError

    try:
        where, settings = open_project(args)
        root, project = where.rootdir, settings.project
        trust = store.trust_from(project, root)
        try:
            items = {(i.checklist, i.id): i for i in items_of(where, settings)}
        except ChecklistError as exc:
            print(f"deploycheck verify: the checklists cannot be read, so edited items are "
                  f"not told apart: {exc}", file=sys.stderr)
            items = None
        targets = [Path(f) for f in args.files] or [root / project.attestations]
        now = datetime.now(timezone.utc)
        findings = []
        paths = [p for t in targets  # a file named must be there: reading it says so
                 for p in store.attestation_files(t) or ([t] if args.files else [])]
        for path in paths:
            try:  # a file that cannot be used is an invalid finding; the others still count
                entries = store.read_entries(inputs.read_text(path), where.shown(path))
            except (inputs.Unreadable, SignatureError) as exc:
                found = [audit.Finding("INVALID", where.shown(path), f"the file cannot be "
                                       f"used: {exc}")]
            else:
                found = [audit.audit(store.verify_entry(e, trust, now), items) for e in entries]
            for finding in found:
                findings.append(finding)
                print(finding.line)
    except (ChecklistError, SignatureError, OSError) as exc:
        print(f"deploycheck verify: {exc}", file=sys.stderr)
        return 1
    print(audit.summary(findings))
    return 1 if any(f.label == "INVALID" for f in findings) else 0


def status(args: argparse.Namespace) -> int:
    """What each manual item still needs, and from which roles. Exit 1 while any waits."""
    from ..attest.signoffs import Binding, SignOffs, decide
    from ..attest.sshsig import SignatureError
    from ..errors import ChecklistError

    try:
        where, settings = open_project(args)
        items = [i for i in items_of(where, settings)
                 if i.attest is not None and i.not_applicable_in(settings.environment) is None]
        ledger = SignOffs(settings, where.rootdir).ledger()
    except (ChecklistError, SignatureError, OSError) as exc:
        print(f"deploycheck status: {exc}", file=sys.stderr)
        return 1
    verdicts, broken = ([], ledger) if isinstance(ledger, str) else (ledger[1], None)
    waiting: dict[str, int] = {}
    done = 0
    print(f"{settings.project.name} release {settings.release or '(not set)'}, environment "
          f"{settings.environment}")
    for item in items:
        assert item.attest is not None
        decision = decide(item.attest, verdicts, Binding.of(item, settings))
        print(f"  {'☑' if decision.passed else '☐'} {item.checklist}::{item.id} "
              f"({item.title}): {decision.message}")
        if decision.passed:
            done += 1
        else:  # the roles it still awaits (all of its roles when a rejection vetoed it)
            for role in decision.awaiting or item.attest.roles:
                waiting[role] = waiting.get(role, 0) + 1
    print(f"{len(items)} manual items: {done} signed off, {len(items) - done} waiting"
          + (" — roles still to sign: " + ", ".join(f"{r} ({n})" for r, n in waiting.items())
             if waiting else ""))
    if broken:
        print(f"deploycheck status: {broken}", file=sys.stderr)
    return 1 if waiting or broken else 0
