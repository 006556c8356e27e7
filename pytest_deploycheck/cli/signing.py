"""The sign-off commands: ``attest`` and ``waive`` (sign), ``status`` (what still waits),
``verify`` (re-check every entry)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .project import items_of, open_project


def attest(args: argparse.Namespace) -> int:
    """Sign off a manual item: write the statement, sign it with ssh-keygen, append it."""
    from datetime import datetime, timedelta, timezone

    from ..attest import sign as sign_mod
    from ..attest import store
    from ..attest.sshsig import PublicKey, SignatureError
    from ..attest.statement import render
    from ..errors import ChecklistError
    from ..units import parse_duration

    try:
        where, settings = open_project(args)
        item = sign_mod.find_item(items_of(where, settings), args.item,
                                  ", ".join(where.shown(p) for p in where.paths), args.kind)
        lifetime = timedelta(seconds=parse_duration(args.expires))
        key_path = Path(args.key).expanduser()
        public_path = key_path if key_path.suffix == ".pub" else Path(f"{key_path}.pub")
        key = PublicKey.from_openssh(public_path.read_text(encoding="utf-8"))
        trust = store.trust_from(settings.project, where.rootdir)
        principal = args.principal or sign_mod.principal_of(
            trust.signers, key, settings.project.roles.get(args.role, ()))
        statement = sign_mod.statement_for(
            item, settings, principal=principal, role=args.role, decision=args.decision,
            justification=args.justification, lifetime=lifetime,
            environment=args.environment,
            commit=args.commit, kind=args.kind)
        text = render(statement)
        signature = sign_mod.sign(text, key_path)
        entry = store.Entry(text, signature, "new entry")
        verdict = store.verify_entry(entry, trust, datetime.now(timezone.utc))
        if not verdict.valid:
            print(f"deploycheck attest: not written, the signed entry would not count: "
                  f"{verdict.error}", file=sys.stderr)
            return 1
        target = where.rootdir / settings.project.attestations
        if not target.suffix:
            target = target / f"{principal}.yaml"
        sign_mod.append(target, sign_mod.entry_text(text, signature))
    except (ChecklistError, SignatureError, sign_mod.SignError) as exc:
        print(f"deploycheck attest: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"deploycheck attest: {exc}", file=sys.stderr)
        return 2
    verb = "waived" if args.kind == "waiver" else statement.decision
    print(f"{verb} {item.checklist}::{item.id} for release {statement.release} "
          f"as {principal} ({args.role}) with key {key.fingerprint}; appended to "
          f"{where.shown(target)}")
    return 0


def verify(args: argparse.Namespace) -> int:
    """Re-check every signed entry; one line each. Exit 1 if any entry is invalid."""
    from datetime import datetime, timezone

    from ..attest import store
    from ..attest.sshsig import SignatureError
    from ..attest.statement import format_time
    from ..errors import ChecklistError

    try:
        where, settings = open_project(args)
        root, project = where.rootdir, settings.project
        trust = store.trust_from(project, root)
        targets = [Path(f) for f in args.files] or [root / project.attestations]
        files = [path for target in targets for path in store.attestation_files(target)]
        now = datetime.now(timezone.utc)
        invalid = 0
        count = 0
        for path in files:
            for entry in store.read_entries(path.read_text(encoding="utf-8"), where.shown(path)):
                verdict = store.verify_entry(entry, trust, now)
                count += 1
                st = verdict.statement
                if st is None:
                    invalid += 1
                    print(f"INVALID {entry.where}: {verdict.error}")
                else:
                    print(f"valid   {entry.where}: {st.principal} ({st.role}) {st.decision} "
                          f"{st.checklist}::{st.item} for {st.project} {st.release}"
                          f"{' in ' + st.environment if st.environment else ''}, until "
                          f"{format_time(st.expires_at)}, key {verdict.fingerprint}")
    except (ChecklistError, SignatureError) as exc:
        print(f"deploycheck verify: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"deploycheck verify: {exc}", file=sys.stderr)
        return 1
    print(f"{count} entries, {invalid} invalid")
    return 1 if invalid else 0


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
        else:
            for role in item.attest.roles:
                waiting[role] = waiting.get(role, 0) + 1
    print(f"{len(items)} manual items: {done} signed off, {len(items) - done} waiting"
          + (" — roles still to sign: " + ", ".join(f"{r} ({n})" for r, n in waiting.items())
             if waiting else ""))
    if broken:
        print(f"deploycheck status: {broken}", file=sys.stderr)
    return 1 if waiting or broken else 0
