"""Verifying 1,000 signed attestation entries (run by ``bench/run.py verify``).

Signs 1,000 statements with a fresh Ed25519 key through the real ssh-keygen, then
times reading the file and checking every entry, best of 3.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pytest_deploycheck.attest import signers, store
from pytest_deploycheck.attest.sign import entry_text
from pytest_deploycheck.attest.statement import Statement, render

COUNT = 1000


def main() -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        subprocess.run(["ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-f", str(base / "key")],
                       check=True, timeout=30)
        public = " ".join((base / "key.pub").read_text().split()[:2])
        trust = store.Trust(signers.parse(f"alice@example.com {public}\n"),
                            roles={"security-lead": ["alice@example.com"]})
        started = time.perf_counter()
        chunks = []
        for n in range(COUNT):
            text = render(Statement(
                deploycheck="attestation", project="bench", release="1.0.0",
                checklist="production", item=f"item-{n}", item_digest="sha256:" + "0" * 64,
                principal="alice@example.com", role="security-lead", decision="approved",
                justification=f"entry {n}", issued_at=now, expires_at=now + timedelta(days=7)))
            message = base / f"s{n}"
            message.write_text(text)
            subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(base / "key"), "-n",
                            "deploycheck", str(message)], check=True, capture_output=True,
                           timeout=30)
            chunks.append(entry_text(text, (base / f"s{n}.sig").read_text()))
        print(f"  signed {COUNT} entries with ssh-keygen in {time.perf_counter() - started:.1f} s")
        document = "".join(chunks)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            entries = store.read_entries(document, "attestations.yaml")
            verdicts = [store.verify_entry(e, trust, datetime.now(timezone.utc)) for e in entries]
            best = min(best, time.perf_counter() - started)
            assert all(v.valid for v in verdicts), [v.error for v in verdicts if not v.valid][:1]
    print(f"\n{COUNT:,} signed entries: read and verified in {best:.3f} s "
          f"({best / COUNT * 1e3:.2f} ms each; target under 1 s)")


if __name__ == "__main__":
    main()
    sys.exit(0)
