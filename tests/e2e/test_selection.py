"""Items carry their phase, tags and kind as markers; -m and -k select them."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from helpers.project import Project

CHECKLIST = """
    checklist: release
    title: Release
    phase: predeploy
    tags: [general]
    sections:
      - id: review
        title: Code review
        items:
          - id: code-reviewed
            title: All code reviewed and approved
            attest: {roles: [dev-lead]}
          - id: readme-present
            title: README present
            tags: [docs]
            check: {file: {path: checks/app.yaml}}
      - id: security
        title: Security
        tags: [security]
        items:
          - id: secrets-in-env
            title: All secrets in environment variables
            check: {env: {names: [PATH]}}
          - id: security-signoff
            title: Security sign-off
            attest: {roles: [security-lead]}
      - id: validation
        title: Post-deployment validation
        phase: postdeploy
        items:
          - id: disk-ok
            title: Disk space adequate
            check: {disk: {min_free: 1MB}}
          - id: python-ok
            title: Interpreter answers
            check: {command: {run: [python3, -c, "print('ok')"], stdout: ok}}
    """


ROLES = ("roles: {dev-lead: [dev@example.com], security-lead: [sec@example.com], "
         "business-owner: [biz@example.com], risk-management: [risk@example.com]}\n")


@pytest.fixture
def release(project: Project) -> Project:
    project.config(ROLES)
    project.checklist(CHECKLIST)
    return project


def test_node_ids_come_from_file_section_and_item_ids(release: Project) -> None:
    result = release.run("--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "checks/app.yaml::review::code-reviewed",
        "checks/app.yaml::review::readme-present",
        "checks/app.yaml::security::secrets-in-env",
        "checks/app.yaml::security::security-signoff",
        "checks/app.yaml::validation::disk-ok",
        "checks/app.yaml::validation::python-ok",
    ])


def test_phase_marker_selects_only_that_phase(release: Project) -> None:
    result = release.run("-m", "predeploy", "-v")
    result.assert_outcomes(passed=2, failed=2, deselected=2)
    assert "disk-ok" not in result.stdout.str()


def test_phase_and_manual_select_the_manual_items_of_the_phase(release: Project) -> None:
    result = release.run("-m", "predeploy and manual", "-v")
    result.assert_outcomes(failed=2, deselected=4)
    result.stdout.fnmatch_lines(["*code-reviewed FAILED*", "*security-signoff FAILED*"])


def test_strict_markers_accept_phases_tags_and_kinds(release: Project) -> None:
    result = release.run("--strict-markers", "-m", "postdeploy")
    result.assert_outcomes(passed=2, deselected=4)
    assert result.ret == 0


def test_tags_inherit_and_select(release: Project) -> None:
    result = release.run("-m", "security and automated", "-v")
    result.assert_outcomes(passed=1, deselected=5)
    result.stdout.fnmatch_lines(["*secrets-in-env PASSED*"])
    release.run("-m", "general and docs").assert_outcomes(passed=1, deselected=5)


def test_k_selects_one_item_by_id(release: Project) -> None:
    result = release.run("-k", "readme-present", "-v")
    result.assert_outcomes(passed=1, deselected=5)


def test_k_matches_words_of_the_title(release: Project) -> None:
    result = release.run("-k", "Interpreter", "-v")
    result.assert_outcomes(passed=1, deselected=5)


def test_markers_are_listed_by_pytest_markers(release: Project) -> None:
    result = release.run("--markers")
    result.stdout.fnmatch_lines([
        "@pytest.mark.predeploy: deploycheck phase*",
        "@pytest.mark.manual: checklist item that needs a signed sign-off",
    ])


def test_manual_items_fail_closed_naming_the_roles_they_need(release: Project) -> None:
    result = release.run("-m", "manual")
    result.stdout.fnmatch_lines([
        "no attestation for code-reviewed: needs approval by dev-lead (cannot read "
        "allowed_signers checks/allowed_signers: No such file or directory)",
        "no attestation for security-signoff: needs approval by security-lead*",
        "FAILED checks/app.yaml::review::code-reviewed - no attestation*",
    ])


def test_a_quorum_is_named_in_the_failure(project: Project) -> None:
    project.config(ROLES)
    project.checklist("""
        checklist: c
        title: C
        phase: deploy
        sections:
          - id: s
            title: S
            items:
              - id: go
                title: Go/no-go
                attest: {roles: [business-owner, risk-management], quorum: 2}
        """)
    result = project.run()
    result.stdout.fnmatch_lines(
        ["*no attestation for go: needs 2 approvals by business-owner, risk-management*"])


def test_only_in_skips_outside_its_environments_with_the_reason(project: Project) -> None:
    project.config("""
        environments:
          staging: {}
          production: {}
        default_environment: staging
        """)
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - id: cdn
                title: CDN configured
                only_in: [production]
                check: {env: {names: [PATH]}}
              - id: debug
                title: Debug endpoints open
                except_in: [production]
                check: {env: {names: [PATH]}}
        """)
    result = project.run("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED * not applicable in environment 'staging' (only in production)"])
    result = project.run("-rs", "--deploycheck-env", "production")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED * not applicable in environment 'production' (excluded by except_in)"])


def test_only_checklists_under_the_configured_paths_are_collected(project: Project) -> None:
    project.config(ROLES)
    project.write("other/list.yaml", CHECKLIST)
    project.write("checks/attestations.yaml", "entries: []\n")
    result = project.run("--collect-only", "-q")
    assert result.ret == 5
    project.pytester.makeini("[pytest]\ndeploycheck_paths = other\n")
    project.run("--collect-only", "-q").stdout.fnmatch_lines(["other/list.yaml::review::*"])


def test_a_checklist_given_on_the_command_line_is_collected(project: Project) -> None:
    project.config(ROLES)
    project.write("elsewhere/list.yml", CHECKLIST)
    result = project.run("elsewhere/list.yml", "-m", "postdeploy")
    result.assert_outcomes(passed=2, deselected=4)


def test_junit_xml_carries_phase_section_kind_and_evidence(release: Project) -> None:
    release.run("-m", "postdeploy", "--junitxml=junit.xml")
    root = ElementTree.parse(release.path / "junit.xml").getroot()
    case = root.find(".//testcase[@name='disk-ok']")
    assert case is not None
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["phase"] == "postdeploy"
    assert properties["section"] == "validation"
    assert properties["kind"] == "disk"
    assert str(properties["evidence.free"]).endswith("iB")
    assert "duration" in properties


def test_only_in_may_say_why_and_the_skip_says_it_too(project: Project) -> None:
    project.config("environments: {demo: {}, production: {}}\ndefault_environment: demo\n")
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        sections:
          - id: s
            title: S
            only_in: {environments: [production], reason: the demo has no CDN in front of it}
            items:
              - {id: cdn, title: CDN configured, check: {env: {names: [PATH]}}}
              - id: ddos
                title: DDoS protection enabled
                except_in: {environments: [demo], reason: nothing to protect on loopback}
                only_in: [demo, production]
                check: {env: {names: [PATH]}}
        """)
    result = project.run("-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines([
        "SKIPPED * not applicable in environment 'demo' (only in production): the demo has "
        "no CDN in front of it"])
    result.stdout.fnmatch_lines([
        "SKIPPED * not applicable in environment 'demo' (excluded by except_in): nothing to "
        "protect on loopback"])
    project.run("--deploycheck-env", "production").assert_outcomes(passed=2)


def test_an_unknown_environment_in_only_in_is_pointed_at_where_it_is_written(
    project: Project
) -> None:
    project.config("environments: {demo: {}, production: {}}\n")
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - id: cdn
                title: CDN configured
                only_in: {environments: [prodution], reasn: x}
                check: {env: {names: [PATH]}}
        """)
    result = project.run("--deploycheck-env", "demo")
    assert result.ret == 2
    result.stdout.fnmatch_lines([
        "*checks/app.yaml:10:*: item 'cdn', field 'only_in.reasn': unknown key 'reasn' — did "
        "you mean 'reason'?*"])
    project.checklist((project.path / "checks/app.yaml").read_text().replace(", reasn: x", ""))
    result = project.run("--deploycheck-env", "demo")
    result.stdout.fnmatch_lines([
        "*checks/app.yaml:10:*: item 'cdn', field 'only_in': unknown environment 'prodution' "
        "— did you mean 'production'?*"])
