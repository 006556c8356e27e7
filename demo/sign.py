"""Sign the demo's manual items with the demo key: ``python -m demo.sign [--check]``.

For every manual item of ``checks/`` that applies in the demo, each role it needs signs
(as ``<role>@demo.invalid``) a statement bound to the demo environment and the config's
release, valid for two years. A sign-off that still counts and has more than
:data:`RENEW_BEFORE` left is kept byte for byte, so only the items whose definition changed
are signed again and the diff shows which. ``--check`` writes nothing and exits 1 when any
item would be signed again (the test suite runs it).

DEMO ONLY: the key is published in ``demo/keys/``; no environment but the demo trusts it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pytest_deploycheck.attest import sign as sign_mod
from pytest_deploycheck.attest import store
from pytest_deploycheck.attest.signoffs import Binding, decide
from pytest_deploycheck.attest.statement import render
from pytest_deploycheck.catalog import Catalog
from pytest_deploycheck.model import Attest, Item
from pytest_deploycheck.project import Settings, load_project

ROOT = Path(__file__).resolve().parent.parent
KEY = ROOT / "demo" / "keys" / "demo-only_ed25519"
ENVIRONMENT = "demo"
LIFETIME = timedelta(days=730)
RENEW_BEFORE = timedelta(days=60)


def settings() -> Settings:
    return load_project(ROOT / "checks" / "deploycheck.yaml", "checks/deploycheck.yaml",
                        ROOT.name).select(ENVIRONMENT, None)


def manual_items(found: Settings) -> list[Item]:
    return [item for item in Catalog(found, ROOT).items([ROOT / "checks"])
            if item.attest is not None and item.not_applicable_in(ENVIRONMENT) is None]


def stale(found: Settings, now: datetime, items: list[Item]) -> list[tuple[Item, str]]:
    """Those of ``items`` whose sign-offs do not count, or will not for long."""
    _, verdicts = store.load_ledger(found.project, ROOT, None, now)
    later = store.load_ledger(found.project, ROOT, None, now + RENEW_BEFORE)[1]
    found_stale = []
    for item in items:
        assert item.attest is not None
        decision = decide(item.attest, verdicts, Binding.of(item, found))
        if not decision.passed:
            found_stale.append((item, decision.message))
        elif not decide(item.attest, later, Binding.of(item, found)).passed:
            found_stale.append((item, f"its sign-offs expire within {RENEW_BEFORE.days} days"))
    return found_stale


@contextmanager
def private_key() -> Iterator[Path]:
    """The demo key where ssh-keygen accepts it (git does not keep the file's 0600)."""
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / KEY.name
        shutil.copyfile(KEY, key)
        key.chmod(0o600)
        shutil.copyfile(f"{KEY}.pub", f"{key}.pub")
        yield key


def principal_of(role: str, found: Settings) -> str:
    return found.project.roles[role][0]


def sign_all(found: Settings, now: datetime, items: list[Item]) -> dict[Path, list[str]]:
    """Entry texts per attestation file: the ones that still count, and new ones (signed
    together, with one ssh-keygen run)."""
    verdicts = store.load_ledger(found.project, ROOT, None, now + RENEW_BEFORE)[1]
    files: dict[Path, list[str]] = {}
    pending: list[tuple[list[str], int, str]] = []  # (a file's entries, where, the statement)
    directory = ROOT / found.project.attestations
    for item in items:
        assert item.attest is not None
        for role in item.attest.roles[:item.attest.quorum]:
            principal = principal_of(role, found)
            entries = files.setdefault(directory / f"{principal}.yaml", [])
            keep = [v for v in verdicts if v.statement is not None
                    and v.statement.principal == principal
                    and decide(Attest((role,)), [v], Binding.of(item, found)).passed]
            if keep:
                entries.append(sign_mod.entry_text(keep[0].entry.statement,
                                                   keep[0].entry.signature))
                continue
            statement = sign_mod.statement_for(
                item, found, principal=principal, role=role, decision="approved",
                justification=f"Demo sign-off of {item.title!r} (demo key, not a "
                              "person: trusted by the demo environment only).",
                lifetime=LIFETIME, environment=ENVIRONMENT, commit=None)
            pending.append((entries, len(entries), render(statement)))
            entries.append("")  # filled in below, once every new statement is signed
    if pending:
        with private_key() as key:
            signatures = sign_mod.sign([text for _, _, text in pending], key)
        for (entries, n, text), signature in zip(pending, signatures, strict=True):
            entries[n] = sign_mod.entry_text(text, signature)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.sign", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="only report the items that need signing again; exit 1 if any")
    args = parser.parse_args(argv)
    found = settings()
    now = datetime.now(timezone.utc)
    items = manual_items(found)
    outdated = stale(found, now, items)
    for item, why in outdated:
        print(f"{item.checklist}::{item.id}: {why}")
    if args.check:
        print(f"{len(outdated)} of {len(items)} demo sign-offs need signing "
              "again" + (": run python -m demo.sign" if outdated else ""))
        return 1 if outdated else 0
    files = sign_all(found, now, items)
    directory = ROOT / found.project.attestations
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        if old not in files:
            old.unlink()
    for path, entries in sorted(files.items()):
        header = ("# DEMO ONLY: signed with the published demo key (demo/keys/), trusted by "
                  "the demo\n# environment alone. Regenerate with: python -m demo.sign\n")
        path.write_text(header + "".join(entries), encoding="utf-8", newline="\n")
    print(f"signed {len(outdated)} items again; {sum(map(len, files.values()))} sign-offs in "
          f"{len(files)} files under {directory.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
