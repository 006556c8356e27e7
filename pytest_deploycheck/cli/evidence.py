"""The run's JSON as evidence: ``deploycheck diff`` (what changed between two runs),
``deploycheck seal`` (sign it) and ``deploycheck verify-evidence`` (check it later)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def diff(args: argparse.Namespace) -> int:
    """Say what changed from the run that wrote EARLIER.json to the run that wrote
    LATER.json (both written by --deploycheck-json): items newly failing or newly
    passing, edited, added or removed, sign-offs that no longer count, waivers that
    lapsed, files changed. Exit 0 whatever changed; 1 when a file cannot be read."""
    from ..changes import compare, read_run

    earlier, later = read_run(Path(args.earlier), args.earlier), read_run(Path(args.later),
                                                                            args.later)
    found = compare(earlier, later, args.phase or None)
    print(f"changes {found.summary()}")
    for title, texts in found.lines():
        print(f"  {title}:")
        for text in texts:
            print(f"    {text}")
    sys.stdout.flush()
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    found = commands.add_parser("diff", help="what changed between two runs (their JSON)",
                                description=diff.__doc__,
                                epilog="example: deploycheck diff 1.4.0.json 1.4.1.json")
    found.add_argument("earlier", help="the earlier run's JSON (--deploycheck-json)")
    found.add_argument("later", help="the later run's JSON")
    found.add_argument("--phase", action="append", default=[],
                       help="compare these phases only (default: the later run's)")
    found.set_defaults(func=diff)
    sealing = commands.add_parser("seal", help="sign a run's JSON with your SSH key",
                                  description=seal.__doc__,
                                  epilog="example: deploycheck seal run.json --key "
                                         "~/.ssh/id_ed25519")
    sealing.add_argument("file", help="the run's JSON (--deploycheck-json)")
    sealing.add_argument("--key", required=True, help="your SSH private key (or its .pub "
                         "with the key in ssh-agent)")
    sealing.set_defaults(func=seal)
    checking = commands.add_parser("verify-evidence", help="re-check a sealed run's JSON",
                                   description=verify_evidence.__doc__,
                                   epilog="example: deploycheck verify-evidence run.json")
    checking.add_argument("file", help="the run's JSON, sealed (RUN.json.sig beside it)")
    checking.add_argument("--signers", default=None, help="the allowed_signers to trust the "
                          "seal's key with (default: the project's, for the run's "
                          "environment)")
    checking.add_argument("--rootdir", default=".", help="the project the run checked "
                          "(default: .)")
    checking.add_argument("--config", default=None, help="the project config, relative to "
                          "the root dir")
    checking.set_defaults(func=verify_evidence)


def seal(args: argparse.Namespace) -> int:
    """Seal a run's JSON (--deploycheck-json) with your SSH key: RUN.json.sig, its
    signature; RUN.intoto.json, the run as an in-toto Statement (test-result predicate),
    and RUN.intoto.json.sig. An auditor checks them with `deploycheck verify-evidence`."""
    from ..attest.evidence import seal as seal_files

    for path in seal_files(Path(args.file), Path(args.key)):
        print(f"wrote {path}")
    return 0


def verify_evidence(args: argparse.Namespace) -> int:
    """Re-check sealed run evidence: the signature of the run's exact bytes (by a key
    allowed_signers lets sign deploycheck-evidence), the in-toto statement, the digests of
    the checklist, allowed_signers and attestation files still in the repository, and every
    sign-off the run counted against the attestation files, at the time of the run. One
    line per check; exit 1 when one fails."""
    from .. import inputs
    from ..attest import evidence, store
    from ..attest.signers import parse
    from ..changes import read_run
    from .project import open_project

    run_json = Path(args.file)
    document = read_run(run_json)
    for name in ("environment", "release", "commit"):
        setattr(args, name, document.get(name))
    where, settings = open_project(args)
    trust = store.trust_from(settings.project, where.rootdir)
    try:
        allowed = list(trust.signers) if args.signers is None else parse(
            inputs.read_text(Path(args.signers)), args.signers)
    except inputs.Unreadable as exc:
        raise evidence.EvidenceError(f"cannot read {args.signers}: {exc}") from None
    at = evidence.run_time(document, str(run_json))
    verdicts = []
    for name in sorted((document.get("files") or {}).get("attestations") or {}):
        path = where.rootdir / name
        if path.exists():  # one no longer there: verify says so
            try:
                entries = store.read_entries(inputs.read_text(path), name)
            except inputs.Unreadable as exc:
                raise evidence.EvidenceError(f"cannot read {name}: {exc}") from None
            verdicts += [store.verify_entry(e, trust, at) for e in entries]
    found = evidence.verify(run_json, where.rootdir, allowed, evidence.ledger_of(verdicts))
    for line in found.held:
        print(f"ok    {line}")
    for line in found.problems:
        print(f"FAIL  {line}")
    print(f"{run_json}: " + ("the evidence holds" if found.ok else
                             f"{len(found.problems)} problem"
                             f"{'s' if len(found.problems) > 1 else ''}: do not trust it"))
    return 0 if found.ok else 1
