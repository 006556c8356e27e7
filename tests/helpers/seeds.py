"""The two seed checklists (copies in tests/data) and what a person ticks in them."""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
SEEDS = {"production": DATA / "production-checklist.md",
         "backtesting": DATA / "backtesting-release-checklist.md"}


def seed_lines(markdown: str) -> list[str]:
    """What a person ticks in the seed, read independently of the importer."""
    found = []
    in_signoff_table = False
    for line in markdown.splitlines():
        if line.startswith("#"):
            in_signoff_table = "sign-off" in line.lower()
            continue
        if "[ ]" in line:
            text = line.split("[ ]", 1)[1].strip()
            role = re.match(r"(.+?):\s*_{3,}", text)
            found.append(f"{role[1]} sign-off" if role else text)
        elif "☐" in line:
            found.append(line.strip("|").split("|")[0].strip())
        elif re.match(r"^\d+\. ", line):
            found.append(line.split(". ", 1)[1].strip())
        elif in_signoff_table and line.startswith("| ") and not line.startswith("| Role"):
            found.append(line.strip("|").split("|")[0].strip() + " sign-off")
    return found
