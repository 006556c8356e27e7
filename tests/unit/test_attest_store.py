"""Signed entries, checked against allowed_signers, roles and the run's bindings.

Signatures are made by the real ssh-keygen; every attack ends in its own reason.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers.sshkeys import sign_with_ssh_keygen
from pytest_deploycheck.attest import signers, store
from pytest_deploycheck.attest.signoffs import Binding, decide
from pytest_deploycheck.attest.statement import Statement, render
from pytest_deploycheck.attest.store import AttestationFileError, Entry, Trust
from pytest_deploycheck.model import Attest

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
PEOPLE = {"alice@example.com": "ed25519", "bob@example.com": "ecdsa-p256",
          "carol@example.com": "rsa"}
BINDING = Binding(project="payments", release="1.4.0", environment="production",
                  checklist="production", item="security-signoff", item_digest="sha256:abc")


def statement(**changes: object) -> Statement:
    base = Statement(
        deploycheck="attestation", project="payments", release="1.4.0",
        checklist="production", item="security-signoff", item_digest="sha256:abc",
        principal="alice@example.com", role="security-lead", decision="approved",
        justification="Pen test PT-2026-11 reviewed: no critical findings.",
        issued_at=NOW - timedelta(hours=1), expires_at=NOW + timedelta(days=7),
        environment="production")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def entry(keydir: Path, text: str, key: str = "ed25519", namespace: str = "deploycheck") -> Entry:
    return Entry(text, sign_with_ssh_keygen(keydir, key, text.encode(), namespace), "test:1")


@pytest.fixture
def trust(keydir: Path) -> Trust:
    lines = [f"{who} {' '.join((keydir / f'{key}.pub').read_text().split()[:2])}"
             for who, key in PEOPLE.items()]
    return Trust(signers.parse("\n".join(lines)),
                 roles={"security-lead": ["alice@example.com", "carol@example.com"],
                        "risk-management": ["bob@example.com"]})


def check(e: Entry, trust: Trust) -> str | None:
    return store.verify_entry(e, trust, NOW).error


def test_a_valid_entry_approves_the_item(keydir: Path, trust: Trust) -> None:
    verdict = store.verify_entry(entry(keydir, render(statement())), trust, NOW)
    assert verdict.valid
    decision = decide(Attest(("security-lead",)), [verdict], BINDING)
    assert decision.passed
    assert decision.message == "approved by alice@example.com (security-lead)"


@pytest.mark.parametrize(("attack", "reason"), [
    ("byte changed", "does not match the signed bytes"),
    ("moved", "does not match the signed bytes"),
    ("unknown key", "is not in allowed_signers"),
    ("role not held", "bob@example.com does not hold the role 'security-lead'"),
    ("other principal", "allowed for alice@example.com, not for 'bob@example.com'"),
    ("git namespace", "is for namespace 'git', not 'deploycheck'"),
    ("revoked", "is revoked"),
    ("expired", "the statement expired at 2026-11-23T11:00:00Z"),
    ("future", "the statement is issued in the future (2026-11-23T13:00:00Z)"),
    ("ttl", "valid for longer than the policy's 30 days"),
    ("unknown field", "unknown field 'approved_by'"),
    ("yaml tag", "not strict YAML: YAML tag '!!python/object:os.system' is not allowed"),
])
def test_each_attack_fails_with_its_own_reason(
    keydir: Path, trust: Trust, attack: str, reason: str
) -> None:
    good = render(statement())
    if attack == "byte changed":
        e = entry(keydir, good)
        e = dataclasses.replace(e, statement=good.replace("no critical", "no criticel"))
    elif attack == "moved":
        other = entry(keydir, render(statement(item="code-reviewed")))
        e = dataclasses.replace(other, statement=good)
    elif attack == "unknown key":
        e = entry(keydir, good, key="ecdsa-p384")
    elif attack == "role not held":
        e = entry(keydir, render(statement(principal="bob@example.com")), key="ecdsa-p256")
    elif attack == "other principal":
        e = entry(keydir, render(statement(principal="bob@example.com")))
    elif attack == "git namespace":
        e = entry(keydir, good, namespace="git")
    elif attack == "revoked":
        e = entry(keydir, good)
        fingerprint = store.verify_entry(e, trust, NOW).fingerprint
        assert fingerprint is not None
        trust = dataclasses.replace(trust, revoked=frozenset({fingerprint}))
    elif attack == "expired":
        e = entry(keydir, render(statement(expires_at=NOW - timedelta(hours=1),
                                           issued_at=NOW - timedelta(days=2))))
    elif attack == "future":
        e = entry(keydir, render(statement(issued_at=NOW + timedelta(hours=1))))
    elif attack == "ttl":
        e = entry(keydir, render(statement(expires_at=NOW + timedelta(days=90))))
    elif attack == "unknown field":
        e = entry(keydir, good + "approved_by: everyone\n")
    else:
        e = entry(keydir, good + "extra: !!python/object:os.system x\n")
    assert reason in (check(e, trust) or "passed")


def test_a_key_outside_its_validity_dates_is_refused(keydir: Path) -> None:
    key = " ".join((keydir / "ed25519.pub").read_text().split()[:2])
    trust = Trust(signers.parse(f'alice@example.com valid-before="20260101Z" {key}'),
                  roles={"security-lead": ["alice@example.com"]})
    assert "valid only before 2026-01-01" in (check(entry(keydir, render(statement())), trust)
                                               or "")


@pytest.mark.parametrize(("changes", "reason"), [
    ({"release": "1.3.0"}, "it is for release '1.3.0', not '1.4.0'"),
    ({"environment": "staging"}, "it is for environment 'staging', not 'production'"),
    ({"item_digest": "sha256:old"}, "the item was edited after it was signed"),
    ({"commit": "3f2a9c1"}, "it binds commit '3f2a9c1', this run's commit is unknown (set "
                            "--deploycheck-commit)"),
])
def test_a_statement_for_another_release_environment_or_definition_does_not_count(
    keydir: Path, trust: Trust, changes: dict[str, str], reason: str
) -> None:
    verdict = store.verify_entry(entry(keydir, render(statement(**changes))), trust, NOW)
    decision = decide(Attest(("security-lead",)), [verdict], BINDING)
    assert not decision.passed
    assert decision.message == ("needs approval by security-lead, has none; "
                                f"alice@example.com (security-lead) does not count: {reason}")


def test_a_statement_without_environment_counts_everywhere(keydir: Path, trust: Trust) -> None:
    verdict = store.verify_entry(entry(keydir, render(statement(environment=None))), trust, NOW)
    assert decide(Attest(("security-lead",)), [verdict], BINDING).passed


def test_quorum_counts_distinct_principals(keydir: Path, trust: Trust) -> None:
    attest = Attest(("security-lead", "risk-management"), quorum=2)
    alice = store.verify_entry(entry(keydir, render(statement())), trust, NOW)
    again = store.verify_entry(entry(keydir, render(statement(justification="again"))),
                               trust, NOW)
    once = decide(attest, [alice, again], BINDING)
    assert not once.passed
    assert once.message == "needs 2 approvals by security-lead, risk-management, has 1 of 2"
    bob = store.verify_entry(entry(keydir, render(statement(
        principal="bob@example.com", role="risk-management")), key="ecdsa-p256"), trust, NOW)
    assert decide(attest, [alice, again, bob], BINDING).passed


def test_a_valid_rejection_is_a_veto(keydir: Path, trust: Trust) -> None:
    attest = Attest(("security-lead",))
    alice = store.verify_entry(entry(keydir, render(statement())), trust, NOW)
    carol = store.verify_entry(entry(keydir, render(statement(
        principal="carol@example.com", decision="rejected",
        justification="CVE-2026-1234 is still open.")), key="rsa"), trust, NOW)
    decision = decide(attest, [alice, carol], BINDING)
    assert not decision.passed
    assert decision.message == ("rejected by carol@example.com (security-lead): "
                                "CVE-2026-1234 is still open.")


def test_an_entry_that_is_not_authentic_fails_the_item_it_claims(
    keydir: Path, trust: Trust
) -> None:
    forged = store.verify_entry(entry(keydir, render(statement()), key="ecdsa-p384"), trust,
                                NOW)
    alice = store.verify_entry(entry(keydir, render(statement(justification="real"))),
                               trust, NOW)
    decision = decide(Attest(("security-lead",)), [forged, alice], BINDING)
    assert not decision.passed  # whatever else signed it
    assert decision.message == (
        f"an entry claiming it is not authentic: the entry at test:1 (alice@example.com "
        f"(security-lead)): key {forged.fingerprint} is not in allowed_signers (otherwise "
        f"approved by alice@example.com (security-lead))")
    assert decision.invalid
    assert not decision.awaiting


@pytest.mark.parametrize("changes", [{"item": "other-item"}, {"release": "1.3.0"},
                                     {"environment": "staging"}])
def test_an_entry_that_is_not_authentic_for_something_else_is_only_noted(
    keydir: Path, trust: Trust, changes: dict[str, str]
) -> None:
    """Old entries of other releases (by a key revoked since) are history, not a veto."""
    forged = store.verify_entry(entry(keydir, render(statement(**changes)), key="ecdsa-p384"),
                                trust, NOW)
    decision = decide(Attest(("security-lead",)), [forged], BINDING)
    assert not decision.invalid
    assert decision.message.startswith("needs approval by security-lead, has none; an entry "
                                       "at test:1 is invalid: key SHA256:")
    alice = store.verify_entry(entry(keydir, render(statement())), trust, NOW)
    assert decide(Attest(("security-lead",)), [forged, alice], BINDING).passed


def test_a_commit_binding_says_which_commit_each_side_names(keydir: Path, trust: Trust) -> None:
    unbound = store.verify_entry(entry(keydir, render(statement())), trust, NOW)
    decision = decide(Attest(("security-lead",)), [unbound],
                      dataclasses.replace(BINDING, commit="3f2a9c1"))
    assert decision.message.endswith("does not count: it binds no commit, this run deploys "
                                     "'3f2a9c1'")


def test_the_file_is_read_strictly(keydir: Path) -> None:
    text = render(statement())
    good = "- statement: |\n" + "".join(f"    {line}\n" for line in text.splitlines())
    good += "  signature: |\n    -----BEGIN SSH SIGNATURE-----\n    x\n"
    (entry_,) = store.read_entries(good, "attestations.yaml")
    assert entry_.statement == text
    with pytest.raises(AttestationFileError, match="YAML tag"):
        store.read_entries("- !!python/object:os.system x\n", "attestations.yaml")
    with pytest.raises(AttestationFileError, match="exactly two text fields"):
        store.read_entries("- {statement: x, signature: y, note: z}\n", "attestations.yaml")


@pytest.fixture
def four_eyes(keydir: Path) -> Trust:
    """alice holds qa-lead and sre-lead; bob qa-lead; carol sre-lead; dave and erin share
    one key (a mistake in allowed_signers)."""
    line = {key: " ".join((keydir / f"{key}.pub").read_text().split()[:2])
            for key in ("ed25519", "ecdsa-p256", "rsa", "ecdsa-p384")}
    return Trust(signers.parse(f"alice@example.com {line['ed25519']}\n"
                               f"bob@example.com {line['ecdsa-p256']}\n"
                               f"carol@example.com {line['rsa']}\n"
                               f"dave@example.com,erin@example.com {line['ecdsa-p384']}\n"),
                 roles={"qa-lead": ["alice@example.com", "bob@example.com",
                                    "dave@example.com"],
                        "sre-lead": ["alice@example.com", "carol@example.com",
                                     "erin@example.com"]})


def approval(keydir: Path, trust: Trust, principal: str, role: str, key: str) -> store.Verdict:
    verdict = store.verify_entry(entry(keydir, render(statement(principal=principal,
                                                                role=role)), key=key),
                                 trust, NOW)
    assert verdict.valid, verdict.error
    return verdict


REQUIRE = Attest(("qa-lead", "sre-lead"), 2, (("qa-lead", 1), ("sre-lead", 1)))


def test_require_needs_each_role_by_a_different_person(keydir: Path, four_eyes: Trust) -> None:
    alice_qa = approval(keydir, four_eyes, "alice@example.com", "qa-lead", "ed25519")
    alice_sre = approval(keydir, four_eyes, "alice@example.com", "sre-lead", "ed25519")
    bob_qa = approval(keydir, four_eyes, "bob@example.com", "qa-lead", "ecdsa-p256")
    one_person = decide(REQUIRE, [alice_qa, alice_sre], BINDING)
    assert not one_person.passed
    assert one_person.message == ("needs approval by 1 qa-lead and 1 sre-lead (different "
                                  "people), has 1 of 2")
    assert one_person.awaiting == ("sre-lead",)
    two_qa = decide(REQUIRE, [alice_qa, bob_qa], BINDING)
    assert not two_qa.passed  # two QA leads are not one QA lead and one SRE lead
    # alice as SRE lead and bob as QA lead fill both, whatever order they signed in
    both = decide(REQUIRE, [alice_qa, bob_qa, alice_sre], BINDING)
    assert both.passed
    assert both.message == ("approved by bob@example.com (qa-lead), alice@example.com "
                            "(sre-lead)")


def test_a_key_named_for_two_principals_counts_once(keydir: Path, four_eyes: Trust) -> None:
    dave = approval(keydir, four_eyes, "dave@example.com", "qa-lead", "ecdsa-p384")
    erin = approval(keydir, four_eyes, "erin@example.com", "sre-lead", "ecdsa-p384")
    assert not decide(REQUIRE, [dave, erin], BINDING).passed
    assert not decide(Attest(("qa-lead", "sre-lead"), quorum=2), [dave, erin],
                      BINDING).passed
    carol = approval(keydir, four_eyes, "carol@example.com", "sre-lead", "rsa")
    assert decide(REQUIRE, [dave, erin, carol], BINDING).passed


def test_a_key_whose_pattern_names_many_principals_counts_once(keydir: Path) -> None:
    key = " ".join((keydir / "ed25519.pub").read_text().split()[:2])
    trust = Trust(signers.parse(f"zed*@example.com {key}\n"),
                  roles={"sec": ["zed1@example.com"], "ops": ["zed2@example.com"]})
    zed1 = approval(keydir, trust, "zed1@example.com", "sec", "ed25519")
    zed2 = approval(keydir, trust, "zed2@example.com", "ops", "ed25519")
    decision = decide(Attest(("sec", "ops"), quorum=2), [zed1, zed2], BINDING)
    assert not decision.passed
    assert decision.message == "needs 2 approvals by sec, ops, has 1 of 2"
    assert not decide(Attest(("sec", "ops"), 2, (("sec", 1), ("ops", 1))), [zed1, zed2],
                      BINDING).passed


def test_no_mutation_of_a_signed_entry_is_valid(keydir: Path, trust: Trust) -> None:
    """The attack matrix, bounded: 300 seeded single-character edits of the statement and
    of the signature's armor; each is refused with a one-line reason, never a crash."""
    good = entry(keydir, render(statement()))
    assert store.verify_entry(good, trust, NOW).valid
    rng = random.Random(2026)
    alphabet = "AZaz09+/=:-_ \n\"'#!@é\x00"
    for n in range(300):
        field = "signature" if n % 2 else "statement"
        text = getattr(good, field)
        at = rng.randrange(len(text))
        changed = text[:at] + rng.choice(alphabet.replace(text[at], "")) + text[at + 1:]
        verdict = store.verify_entry(dataclasses.replace(good, **{field: changed}), trust, NOW)
        assert not verdict.valid, (field, at, changed[max(0, at - 20):at + 20])
        assert verdict.error, (field, at)
        assert "\n" not in verdict.error, (field, at, verdict.error)
