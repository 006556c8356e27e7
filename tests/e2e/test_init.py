"""`deploycheck init`: a starter project that runs at once and shows a gate waiting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.project import assert_clean


def init(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest_deploycheck", "init", *args],
                          cwd=root, capture_output=True, text=True, timeout=60, check=False)


def test_init_starts_a_project_whose_gate_waits_for_a_sign_off(
    pytester: pytest.Pytester
) -> None:
    done = init(pytester.path)
    assert done.returncode == 0, done.stderr
    for path in ("checks/deploycheck.yaml", "checks/release.yaml", "checks/allowed_signers",
                 "checks/attestations/.gitkeep", ".gitattributes"):
        assert f"wrote {path}" in done.stdout
    assert (pytester.path / ".gitattributes").read_text() == "checks/attestations/** -text\n"
    result = pytester.runpytest("-m", "predeploy")
    assert_clean(result)
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "predeploy: 2/3 passed, 1 not applicable — BLOCKED: 1 awaiting sign-off "
        "(release-manager)"])


def test_init_never_overwrites_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks/release.yaml").write_text("# mine\n")
    (tmp_path / ".gitattributes").write_text("*.png binary")
    done = init(tmp_path)
    assert done.returncode == 1
    assert ("not written, these exist: checks/release.yaml (pass --force to replace them)"
            in done.stderr)
    assert (tmp_path / "checks/release.yaml").read_text() == "# mine\n"
    assert init(tmp_path, "--force").returncode == 0
    assert "checklist: release" in (tmp_path / "checks/release.yaml").read_text()
    assert (tmp_path / ".gitattributes").read_text() == (
        "*.png binary\nchecks/attestations/** -text\n")


def test_init_names_the_release_so_the_first_sign_off_works(
    pytester: pytest.Pytester, keydir: Path
) -> None:
    done = init(pytester.path, "--release", "2.3.0")
    assert "release 2.3.0 (change 'release:' in checks/deploycheck.yaml for each one)" \
        in done.stdout
    assert "deploycheck attest release-approved --role release-manager --key" in done.stdout
    config = pytester.path / "checks/deploycheck.yaml"
    assert 'release: "2.3.0"' in config.read_text()
    public = (keydir / "ed25519.pub").read_text().split()
    (pytester.path / "checks/allowed_signers").write_text(
        f'rm@example.com namespaces="deploycheck" {public[0]} {public[1]}\n')
    config.write_text(config.read_text().replace("release-manager: []",
                                                 "release-manager: [rm@example.com]"))
    signed = subprocess.run(
        [sys.executable, "-m", "pytest_deploycheck", "attest", "release-approved", "--role",
         "release-manager", "--key", str(keydir / "ed25519")], cwd=pytester.path,
        capture_output=True, text=True, timeout=60, check=False)
    assert signed.returncode == 0, signed.stderr
    result = pytester.runpytest("-m", "predeploy")
    result.assert_outcomes(passed=3, skipped=1)
