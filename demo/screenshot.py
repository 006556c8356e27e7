"""The README's picture of the HTML report: ``python -m demo.screenshot [-o PATH]``.

Runs the demo's pre-deployment gate as a release manager would meet it on a bad day —
the QA lead has not signed yet and the HTTPS service is down (the monitoring items left
out, so the run takes seconds, not the half minute Prometheus needs to notice) — writes
the self-contained HTML report, and has headless Chromium (Debian's ``chromium``) take
the first screen of it. Regenerate it after changing how the report looks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "report.png"
WINDOW = "1280,860"  # the first screen: the verdict, its blockers, the gates
CHROMIUM = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-background-networking", "--disable-sync"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("demo.screenshot: Chromium is not installed (apt-get install chromium)",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        attestations = work / "attestations"
        shutil.copytree(ROOT / "checks/demo/attestations", attestations)
        (attestations / "qa-lead@demo.invalid.yaml").unlink()
        report = work / "report.html"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
             "-m", "predeploy and not monitoring", f"--deploycheck-attestations={attestations}",
             f"--html={report}", "--self-contained-html"],
            cwd=ROOT, env={**os.environ, "DEPLOYCHECK_DEMO_DOWN": "https"},
            capture_output=True, text=True, timeout=300, check=False)
        if not report.is_file():
            print(f"demo.screenshot: the run wrote no report:\n{run.stdout[-2000:]}",
                  file=sys.stderr)
            return 1
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shot = subprocess.run(
            [browser, *CHROMIUM, f"--user-data-dir={work / 'profile'}",
             f"--window-size={WINDOW}", f"--screenshot={args.output.resolve()}",
             report.as_uri()], capture_output=True, text=True, timeout=120, check=False)
        if shot.returncode != 0 or not args.output.is_file():
            print(f"demo.screenshot: Chromium failed: {shot.stderr[-1000:]}", file=sys.stderr)
            return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
