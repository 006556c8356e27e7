"""Seeded mutations of the repository's own checklists and of signed entries: whatever a
careless edit or an attacker makes of them, the result is a located mistake or an
invalid entry — never a crash, never a checklist silently left out, never a pass."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from pytest_deploycheck.catalog import Catalog, is_checklist_file, skipped
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.model import Checklist
from pytest_deploycheck.project import Requested, load_project, settings_for

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ("production.yaml", "backtesting.yaml")
PER_SEED = 200


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One careless edit or hostile byte: what it did, and the bytes it left."""
    lines = data.split(b"\n")
    n = rng.randrange(len(lines))
    at = rng.randrange(len(data))
    kind = rng.choice(["flip", "delete line", "duplicate line", "swap lines", "insert",
                       "truncate", "punctuate", "indent"])
    if kind == "flip":
        byte = rng.randrange(256)
        return f"byte {at} → {byte:#04x}", data[:at] + bytes([byte]) + data[at + 1:]
    if kind == "delete line":
        return f"line {n + 1} deleted", b"\n".join(lines[:n] + lines[n + 1:])
    if kind == "duplicate line":
        return f"line {n + 1} doubled", b"\n".join(lines[:n + 1] + lines[n:])
    if kind == "swap lines" and n + 1 < len(lines):
        lines[n], lines[n + 1] = lines[n + 1], lines[n]
        return f"lines {n + 1}, {n + 2} swapped", b"\n".join(lines)
    if kind == "insert":
        char = rng.choice(b":-{}[]#&*!|>'\"%@`\t\x00 ")
        return f"{chr(char)!r} inserted at {at}", data[:at] + bytes([char]) + data[at:]
    if kind == "truncate":
        return f"cut at {at}", data[:at]
    if kind == "indent":
        return f"line {n + 1} indented", b"\n".join([*lines[:n], b" " + lines[n],
                                                     *lines[n + 1:]])
    return f"':' at {at}", data[:at] + b":" + data[at + 1:]


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_checklists_fail_located_and_are_never_left_out(
    tmp_path: Path, seed: str
) -> None:
    project = load_project(ROOT / "checks" / "deploycheck.yaml", "checks/deploycheck.yaml",
                           "demo-trader")
    settings = settings_for(project, Requested.first_set({}, {}, {}), tmp_path)
    original = (ROOT / "checks" / seed).read_bytes()
    checks = tmp_path / "checks"
    checks.mkdir()
    target = checks / seed
    rng = random.Random(f"{seed}-2026")
    outcomes = {"mistakes": 0, "loaded": 0, "skipped": 0}
    started = time.monotonic()
    for _ in range(PER_SEED):
        what, data = mutate(original, rng)
        target.write_bytes(data)
        if not is_checklist_file(target):
            assert skipped([checks]) == [target], f"{what}: the checklist vanished"
            outcomes["skipped"] += 1
            continue
        try:
            found: Checklist | ChecklistError = Catalog(settings, tmp_path).load(target)
        except ChecklistError as exc:
            found = exc
        except Exception as exc:  # a crash would be an INTERNALERROR for the user
            pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
        if isinstance(found, ChecklistError):
            located = [p for p in found.problems
                       if p.path == f"checks/{seed}" and p.line >= 0 and p.message]
            assert located == list(found.problems), (what, str(found))
            assert located, what
            outcomes["mistakes"] += 1
        else:
            Catalog(settings, tmp_path).planned(found)  # the gates read it too
            outcomes["loaded"] += 1
    assert outcomes["mistakes"] > PER_SEED // 3, outcomes  # the edits mostly break it
    assert time.monotonic() - started < 40
