"""Manual items pass only with valid signed attestations — end to end, with ssh-keygen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import signing
from helpers.project import Project, assert_clean

CHECKLIST = """
    checklist: production
    title: Production
    phase: predeploy
    sections:
      - id: security
        title: Security
        items:
          - id: security-signoff
            title: Security team sign-off
            attest: {roles: [security-lead]}
          - id: go-no-go
            title: Go / no-go
            attest: {roles: [security-lead, risk-management], quorum: 2}
    """
CONFIG = """
    project: payments
    release: 1.4.0
    environments: {production: {}}
    roles:
      security-lead: [alice@example.com]
      risk-management: [bob@example.com]
    """


@pytest.fixture
def signed(project: Project, keydir: Path) -> Project:
    project.config(CONFIG)
    project.checklist(CHECKLIST)
    keys = {"alice@example.com": "ed25519", "bob@example.com": "ecdsa-p256"}
    project.write("checks/allowed_signers", signing.allowed_signers(keydir, keys))
    return project


def sign(project: Project, keydir: Path, item: str, **kwargs: Any) -> str:
    return signing.sign(project.path, keydir, item, **kwargs)


def test_valid_sign_offs_pass_manual_items_and_show_who_signed(
    signed: Project, keydir: Path
) -> None:
    signed.write("checks/attestations/sign-offs.yaml",
                 sign(signed, keydir, "security-signoff")
                 + sign(signed, keydir, "go-no-go")
                 + sign(signed, keydir, "go-no-go", who="bob@example.com",
                        role="risk-management", key="ecdsa-p256"))
    result = signed.run("-rA")
    assert_clean(result)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*- signed -*",
        "alice@example.com (security-lead) approved with key SHA256:*, issued *, expires *"])
    signed.run("-n", "2").assert_outcomes(passed=2)


def test_one_approval_of_a_quorum_of_two_fails_saying_1_of_2(
    signed: Project, keydir: Path
) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "go-no-go"))
    result = signed.run("-k", "go-no-go")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["no attestation for go-no-go: needs 2 approvals by "
                                 "security-lead, risk-management, has 1 of 2"])


def test_editing_the_item_after_signing_invalidates_the_sign_off(
    signed: Project, keydir: Path
) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    signed.checklist(CHECKLIST.replace("Security team sign-off", "Security sign-off"))
    result = signed.run("-k", "security-signoff")
    result.stdout.fnmatch_lines(["*alice@example.com (security-lead) does not count: the item "
                                 "was edited after it was signed"])


def test_a_tampered_statement_fails_naming_the_entry(signed: Project, keydir: Path) -> None:
    signed.write("checks/attestations/a.yaml",
                 sign(signed, keydir, "security-signoff").replace("Reviewed.", "Reviewed!"))
    result = signed.run("-k", "security-signoff", "-rA", "-v", "--deploycheck-json=run.json",
                        "--deploycheck-markdown=run.md", "--html=report.html",
                        "--self-contained-html", "--junitxml=junit.xml")
    assert_clean(result)
    result.assert_outcomes(failed=1, deselected=1)
    (item,) = json.loads((signed.path / "run.json").read_text())["items"]
    assert item["outcome"] == "invalid"
    assert item["message"].startswith("invalid sign-off for security-signoff: an entry")
    assert "| ☐ invalid sign-off | invalid sign-off for security-signoff" in (
        signed.path / "run.md").read_text()
    page = (signed.path / "report.html").read_text()
    assert "⚠ invalid sign-off</span>Security team sign-off" in page  # the checklist view
    # the Result column of pytest-html's table, in its data (escaped JSON in an attribute)
    assert '&lt;td class=\\&quot;col-result\\&quot;&gt;invalid sign-off&lt;/td&gt;' in page
    assert 'message="invalid sign-off for security-signoff' in (
        signed.path / "junit.xml").read_text()
    result.stdout.fnmatch_lines([
        "*::security-signoff INVALID SIGN-OFF*",
        "invalid sign-off for security-signoff: an entry claiming it is not authentic: the "
        "entry at checks/attestations/a.yaml:1 (alice@example.com (security-lead), key "
        "SHA256:*): the signature does not match the signed bytes (they were changed*",
        "predeploy: 0/1 passed — BLOCKED: 1 invalid sign-off, 1 of 2 items not run *"])


def test_a_rejection_vetoes(signed: Project, keydir: Path) -> None:
    signed.write("checks/attestations/a.yaml",
                 sign(signed, keydir, "security-signoff", decision="rejected",
                      justification="CVE-2026-1234 open"))
    signed.run("-k", "security-signoff").stdout.fnmatch_lines(
        ["*rejected by alice@example.com (security-lead): CVE-2026-1234 open"])


def test_another_release_does_not_count(signed: Project, keydir: Path) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    result = signed.run("-k", "security-signoff", "--deploycheck-release", "1.5.0")
    result.stdout.fnmatch_lines(["*does not count: it is for release '1.4.0', not '1.5.0'"])


def test_a_yaml_tag_in_the_attestation_file_fails_every_manual_item(signed: Project) -> None:
    signed.write("checks/attestations/a.yaml", "- !!python/object:os.system x\n")
    result = signed.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*(the attestation file is invalid: *YAML tag "
                                 "'!!python/object:os.system' is not allowed*"])


def test_a_missing_allowed_signers_fails_closed(signed: Project, keydir: Path) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    (signed.path / "checks" / "allowed_signers").unlink()
    result = signed.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*(cannot read allowed_signers checks/allowed_signers: No "
                                 "such file or directory)"])


def test_allowed_signers_on_a_device_fails_closed_at_once(signed: Project, keydir: Path) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    signers = signed.path / "checks" / "allowed_signers"
    signers.unlink()
    signers.symlink_to("/dev/zero")
    started = time.monotonic()
    result = signed.run()
    assert time.monotonic() - started < 20
    assert_clean(result)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*(cannot read allowed_signers checks/allowed_signers: not a "
                                 "regular file (a character device))"])


@pytest.mark.parametrize("form", ["fingerprint", "bare", "padded", "lowercase", "listing",
                                  "public key"])
def test_every_unambiguous_way_of_naming_a_key_revokes_it(
    signed: Project, keydir: Path, form: str
) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    listing = subprocess.run(["ssh-keygen", "-l", "-f", str(keydir / "ed25519.pub")],
                             capture_output=True, text=True, check=True, timeout=30).stdout
    fingerprint = listing.split()[1]
    written = {"fingerprint": fingerprint, "bare": fingerprint[7:],
               "padded": fingerprint[7:] + "=", "lowercase": "sha256:" + fingerprint[7:],
               "listing": listing.strip(),
               "public key": (keydir / "ed25519.pub").read_text().strip()}[form]
    signed.config(CONFIG.rstrip(" ") + f"    revoked: [{json.dumps(written)}]\n")
    result = signed.run("-k", "security-signoff")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines([f"*: key {fingerprint} is revoked*"])


@pytest.mark.parametrize(("written", "why"), [
    ("MD5:75:ad:35:3c:35:1b:6c:82:ce:9f:59:02:25:2e:36:b7", "an MD5 fingerprint cannot be "
     "checked: give the SHA256 one (ssh-keygen -l -E sha256 -f KEY.pub)"),
    ("SHA256:not-a-fingerprint", "not a key fingerprint: give SHA256:… as ssh-keygen -l "
     "prints it, or the public key line"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc", "not a key fingerprint, nor a valid public "
     "key: the public key is truncated"),
])
def test_a_revocation_that_would_revoke_nothing_is_a_config_error(
    signed: Project, written: str, why: str
) -> None:
    signed.config(CONFIG.rstrip(" ") + f"    revoked: [{json.dumps(written)}]\n")
    result = signed.run()
    assert_clean(result)
    result.stdout.fnmatch_lines([f"*checks/deploycheck.yaml:7:11: field 'revoked.0': {why}"])
    assert result.ret == 2


def deploycheck(project: Project, *args: str) -> pytest.RunResult:
    return project.pytester.run(sys.executable, "-m", "pytest_deploycheck", *args)


def test_deploycheck_attest_signs_off_and_the_item_passes(signed: Project, keydir: Path) -> None:
    result = deploycheck(signed, "attest", "security-signoff", "--role", "security-lead",
                         "--key", str(keydir / "ed25519"), "--justification", "Pen test clean")
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines([
        "approved production::security-signoff for release 1.4.0 as alice@example.com "
        "(security-lead) with key SHA256:*; appended to "
        "checks/attestations/alice@example.com.yaml"])
    signed.run("-k", "security-signoff").assert_outcomes(passed=1, deselected=1)


def test_an_attest_entry_verifies_with_stock_ssh_keygen(signed: Project, keydir: Path) -> None:
    """The README recipe: cut the entry's statement and signature out, then ssh-keygen -Y verify."""
    assert deploycheck(signed, "attest", "security-signoff", "--role", "security-lead",
                       "--key", str(keydir / "ed25519")).ret == 0
    (entry,) = yaml.safe_load(
        (signed.path / "checks/attestations/alice@example.com.yaml").read_text())
    (signed.path / "statement.txt").write_text(entry["statement"])
    (signed.path / "statement.sig").write_text(entry["signature"])
    with (signed.path / "statement.txt").open("rb") as statement:
        verified = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", "checks/allowed_signers",
             "-I", "alice@example.com", "-n", "deploycheck", "-s", "statement.sig"],
            stdin=statement, cwd=signed.path, capture_output=True, text=True, timeout=30,
            check=False)
    assert verified.returncode == 0, verified.stderr
    assert 'Good "deploycheck" signature for alice@example.com' in verified.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "--role", "security-lead"], "no item 'nope' in the checklists under checks"),
    (["security-signoff", "--role", "risk-management"],
     "item 'security-signoff' takes a sign-off by security-lead, not by 'risk-management'"),
])
def test_attest_refuses_mistakes_with_a_reason(
    signed: Project, keydir: Path, args: list[str], message: str
) -> None:
    result = deploycheck(signed, "attest", *args, "--key", str(keydir / "ed25519"))
    assert result.ret == 1
    assert message in result.stderr.str()


def test_attest_will_not_write_an_entry_that_would_not_count(
    signed: Project, keydir: Path
) -> None:
    result = deploycheck(signed, "attest", "security-signoff", "--role", "security-lead",
                         "--key", str(keydir / "rsa"), "--principal", "alice@example.com")
    assert result.ret == 1
    assert "not written, the signed entry would not count: key SHA256:" in result.stderr.str()
    assert not (signed.path / "checks" / "attestations").exists()


def test_the_release_falls_back_to_git_describe(project: Project) -> None:
    project.checklist("""
        checklist: c
        title: "Release ${release}"
        phase: deploy
        sections:
          - {id: s, title: S, items: [{id: a, title: A, check: {env: {names: [PATH]}}}]}
        """)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "first"], ["tag", "v2.3.0"]):
        subprocess.run([*git, *args], cwd=project.path, check=True, timeout=30)
    project.run().stdout.fnmatch_lines(["deploycheck: project *, environment default, "
                                        "release v2.3.0"])
    result = project.run("--deploycheck-release", "2.4.0-rc1")
    result.stdout.fnmatch_lines(["*release 2.4.0-rc1"])


def test_verify_lists_each_entry_and_fails_on_an_invalid_one(
    signed: Project, keydir: Path
) -> None:
    good = sign(signed, keydir, "security-signoff")
    signed.write("checks/attestations/a.yaml", good)
    result = deploycheck(signed, "verify")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "valid   checks/attestations/a.yaml:1: alice@example.com (security-lead) approved "
        "production::security-signoff for payments 1.4.0, until *, key SHA256:*",
        "1 entries, 0 invalid (1 valid)"])
    signed.write("checks/attestations/b.yaml", good.replace("Reviewed.", "Reviewed!"))
    result = deploycheck(signed, "verify")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "valid   checks/attestations/a.yaml:1: *",
        "INVALID checks/attestations/b.yaml:1: the signature does not match the signed bytes*",
        "2 entries, 1 invalid (1 valid)"])


def test_verify_reports_a_file_it_cannot_read_and_checks_the_others(
    signed: Project, keydir: Path
) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    (signed.path / "checks" / "attestations" / "b.yaml").write_bytes(b"- statement: caf\xe9\n")
    result = deploycheck(signed, "verify")
    assert_clean(result)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "valid   checks/attestations/a.yaml:1: *",
        "INVALID checks/attestations/b.yaml: the file cannot be used: not UTF-8 text: byte "
        "0xe9 at line 1, column 17",
        "2 entries, 1 invalid (1 valid)"])
    missing = deploycheck(signed, "verify", "checks/attestations/nope.yaml")
    assert missing.ret == 1
    missing.stdout.fnmatch_lines(["INVALID checks/attestations/nope.yaml: the file cannot be "
                                  "used: No such file or directory"])


def test_verify_tells_apart_what_no_longer_counts_and_stays_green_for_ci(
    signed: Project, keydir: Path
) -> None:
    """Attestation files only grow: expired entries, sign-offs of an edited item, waivers
    and rejections are listed for what they are, and only a forgery fails."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    signed.write("checks/attestations/a.yaml",
                 sign(signed, keydir, "security-signoff")
                 + sign(signed, keydir, "security-signoff", issued_at=now - timedelta(days=9),
                        expires_at=now - timedelta(days=2))
                 + sign(signed, keydir, "go-no-go", decision="rejected")
                 + sign(signed, keydir, "retired-item", item_digest="sha256:0ld")
                 + sign(signed, keydir, "security-signoff", deploycheck="waiver"))
    signed.checklist(CHECKLIST.replace("title: Go / no-go", "title: Go or no-go"))
    result = deploycheck(signed, "verify")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines([
        "valid   checks/attestations/a.yaml:1: alice@example.com (security-lead) approved "
        "production::security-signoff *",
        "expired checks/attestations/a.yaml:*: * — the statement expired at *",
        "edited  checks/attestations/a.yaml:*: alice@example.com (security-lead) rejected "
        "production::go-no-go * — the item was edited after it was signed",
        "removed checks/attestations/a.yaml:*: * production::retired-item * — no such item in "
        "the checklists now",
        "waiver  checks/attestations/a.yaml:*: alice@example.com (security-lead) waived "
        "production::security-signoff *",
        "5 entries, 0 invalid (1 valid, 1 expired, 1 for an edited item, 1 for a removed "
        "item, 1 waiver)"])


WAIVABLE = """
    checklist: production
    title: Production
    phase: predeploy
    sections:
      - id: infra
        title: Infrastructure
        items:
          - id: cdn
            title: CDN configured
            check: {command: {run: [sh, -c, "echo no CDN yet >&2; exit 3"]}}
    """


@pytest.fixture
def waivable(signed: Project) -> Project:
    signed.config(CONFIG.replace("roles:\n", "waiver_roles: [release-manager]\n    roles:\n"
                                 "      release-manager: [alice@example.com]\n"))
    signed.checklist(WAIVABLE)
    return signed


def test_a_signed_waiver_turns_a_failure_into_waived_never_passed(
    waivable: Project, keydir: Path
) -> None:
    assert waivable.run().ret == 1
    result = deploycheck(waivable, "waive", "cdn", "--role", "release-manager", "--key",
                         str(keydir / "ed25519"), "--expires", "2d",
                         "--justification", "CDN cut-over tomorrow")
    assert result.ret == 0, result.stderr.str()
    result = waivable.run("-rx")
    result.assert_outcomes(xfailed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "WAIVED checks/app.yaml::infra::cdn - waived by alice@example.com "
        "(release-manager) until *: CDN cut-over tomorrow — the check found: expected exit "
        "code 0, got 3 (no CDN yet)"])


def test_an_expired_waiver_has_no_effect(waivable: Project, keydir: Path) -> None:
    assert deploycheck(waivable, "waive", "cdn", "--role", "release-manager", "--key",
                       str(keydir / "ed25519"), "--expires", "2s",
                       "--justification", "soon").ret == 0
    time.sleep(2.5)
    waivable.run().assert_outcomes(failed=1)


def test_waivers_need_a_waiver_role(waivable: Project, keydir: Path) -> None:
    result = deploycheck(waivable, "waive", "cdn", "--role", "security-lead", "--key",
                         str(keydir / "ed25519"), "--justification", "x")
    assert result.ret == 1
    assert result.stderr.lines == ["deploycheck waive: item 'cdn' takes a waiver by "
                                   "release-manager, not by 'security-lead'"]


def test_status_lists_what_each_manual_item_still_needs(signed: Project, keydir: Path) -> None:
    signed.write("checks/attestations/a.yaml",
                 sign(signed, keydir, "security-signoff") + sign(signed, keydir, "go-no-go"))
    result = deploycheck(signed, "status")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "payments release 1.4.0, environment production",
        "  ☑ production::security-signoff (Security team sign-off): approved by "
        "alice@example.com (security-lead)",
        "  ☐ production::go-no-go (Go / no-go): needs 2 approvals by security-lead, "
        "risk-management, has 1 of 2",
        "2 manual items: 1 signed off, 1 waiting — roles still to sign: security-lead (1), "
        "risk-management (1)",
    ])


def test_an_unknown_release_fails_manual_items_saying_how_to_set_it(
    signed: Project, keydir: Path
) -> None:
    signed.write("checks/attestations/a.yaml", sign(signed, keydir, "security-signoff"))
    signed.config(CONFIG.replace("    release: 1.4.0\n", ""))
    result = signed.run("-k", "security-signoff")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*does not count: the release of this run is unknown (set "
                                 "--deploycheck-release)"])


def test_an_environment_trusts_its_own_signers_and_only_there(
    signed: Project, keydir: Path
) -> None:
    """A demo environment with its own allowed_signers, attestations and roles: its
    sign-offs count in it and nowhere else; the other environments keep the project's."""
    signed.config(CONFIG.replace("environments: {production: {}}", """
    default_environment: production
    environments:
      production: {}
      demo:
        signers: checks/demo/allowed_signers
        attestations: checks/demo/attestations
        roles: {security-lead: [demo@example.invalid]}
        policy: {max_ttl: 400d}"""))
    signed.write("checks/demo/allowed_signers",
                 signing.allowed_signers(keydir, {"demo@example.invalid": "ecdsa-p384"}))
    signed.write("checks/demo/attestations/demo.yaml", sign(
        signed, keydir, "security-signoff", who="demo@example.invalid", key="ecdsa-p384",
        environment="demo", expires_at=datetime.now(timezone.utc) + timedelta(days=300)))
    result = signed.run("-rA", "-k", "security-signoff", "--deploycheck-env", "demo")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["demo@example.invalid (security-lead) approved with key *"])
    result = signed.run("-k", "security-signoff", "--deploycheck-env", "production")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*no attestation for security-signoff: needs approval by "
                                 "security-lead"])
    verified = deploycheck(signed, "verify", "--environment", "demo")
    assert verified.ret == 0, verified.stdout.str()
    verified.stdout.fnmatch_lines(["valid   checks/demo/attestations/demo.yaml:1: *"])
    assert deploycheck(signed, "verify", "checks/demo/attestations/demo.yaml").ret == 1


def test_attest_signs_as_the_role_holder_a_pattern_lets_the_key_sign_as(
    signed: Project, keydir: Path
) -> None:
    """allowed_signers may name principals by pattern (``*@example.com``): the signer is
    then the one holder of the role the key may sign as."""
    signed.write("checks/allowed_signers", signing.allowed_signers(
        keydir, {"*@example.com": "ed25519"}))
    result = deploycheck(signed, "attest", "go-no-go", "--role", "risk-management",
                         "--key", str(keydir / "ed25519"))
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["approved production::go-no-go for release 1.4.0 as "
                                 "bob@example.com (risk-management) with key *"])


def test_attest_says_how_to_fix_a_private_key_others_can_read(
    signed: Project, keydir: Path, tmp_path: Path
) -> None:
    key = tmp_path / "id_ed25519"
    shutil.copyfile(keydir / "ed25519", key)
    shutil.copyfile(keydir / "ed25519.pub", f"{key}.pub")
    key.chmod(0o644)
    result = deploycheck(signed, "attest", "security-signoff", "--role", "security-lead",
                         "--key", str(key))
    assert result.ret == 1
    assert (f"ssh-keygen will not use {key}: others can read it (run chmod 600 {key})"
            in result.stderr.str())


def test_attest_signs_several_items_or_a_section_with_one_command(
    signed: Project, keydir: Path
) -> None:
    key = str(keydir / "ed25519")
    dry = deploycheck(signed, "attest", "production::security", "--role", "security-lead",
                      "--key", key, "--dry-run")
    assert dry.ret == 0
    dry.stdout.fnmatch_lines(["would sign 2 items as alice@example.com (security-lead):",
                              "  production::security-signoff (Security team sign-off)",
                              "  production::go-no-go (Go / no-go)"])
    assert not (signed.path / "checks/attestations/alice@example.com.yaml").exists()
    result = deploycheck(signed, "attest", "security-signoff", "go-no-go", "--role",
                         "security-lead", "--key", key)
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines([
        "signing 2 items as alice@example.com (security-lead):", "  production::*",
        "  production::*",
        "approved production::security-signoff for release 1.4.0 as alice@example.com *",
        "approved production::go-no-go for release 1.4.0 as alice@example.com *"])
    outcome = signed.run("-rA")
    outcome.assert_outcomes(passed=1, failed=1)  # go-no-go still needs risk-management
    outcome.stdout.fnmatch_lines(["*needs 2 approvals by security-lead, risk-management, "
                                  "has 1 of 2*"])


def test_attest_awaiting_signs_what_still_waits_for_the_role(
    signed: Project, keydir: Path
) -> None:
    signed.write("checks/attestations/alice@example.com.yaml",
                 sign(signed, keydir, "security-signoff"))
    bob = ["--role", "risk-management", "--key", str(keydir / "ecdsa-p256")]
    result = deploycheck(signed, "attest", "--awaiting", *bob)
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["approved production::go-no-go for release 1.4.0 as "
                                 "bob@example.com (risk-management)*"])
    again = deploycheck(signed, "attest", "--awaiting", *bob)
    again.stdout.fnmatch_lines(["nothing awaits a sign-off by bob@example.com "
                                "(risk-management)"])


def test_an_unknown_item_gets_a_suggestion(signed: Project, keydir: Path) -> None:
    result = deploycheck(signed, "attest", "go-no-gp", "--role", "security-lead", "--key",
                         str(keydir / "ed25519"))
    assert result.ret == 1
    assert result.stderr.lines == ["deploycheck attest: no item 'go-no-gp' in the checklists "
                                   "under checks — did you mean 'go-no-go'?"]
