"""The loader as plain code: YAML in, frozen checklist out (no pytest run)."""

from __future__ import annotations

import textwrap

import pytest

from pytest_deploycheck.documents import is_checklist
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.loader import load_checklist
from pytest_deploycheck.project import Project
from pytest_deploycheck.secrets import Secrets
from pytest_deploycheck.variables import expand, resolve_env

PROJECT = Project(
    name="payments",
    environments={"staging": {"base_url": "https://staging.example", "port": 8443}},
    default_environment="staging",
    roles={"ops": ("ops@example.com",)},
)


def load(text: str, release: str | None = "1.4.0") -> object:
    return load_checklist(textwrap.dedent(text), "checks/x.yaml",
                          PROJECT.select(None, release))


def test_phase_tags_severity_and_environments_inherit_down_to_items() -> None:
    checklist = load("""
        checklist: prod
        title: Production
        phase: predeploy
        tags: [general]
        severity: high
        sections:
          - id: sec
            title: Security
            tags: [security]
            phase: postdeploy
            items:
              - id: waf
                title: WAF rules configured
                tags: [network]
                only_in: [staging]
                check: {tcp: {host: example, port: "${port}"}}
        """)
    item = checklist.items[0]  # type: ignore[attr-defined]
    assert (item.phase, item.tags, item.severity) == (
        "postdeploy", ("general", "security", "network"), "high")
    assert item.only_in == ("staging",)
    assert item.check.spec.port == 8443
    assert item.kind == "tcp"
    assert item.location.line == 13


def test_a_reference_alone_keeps_the_variables_type_and_text_is_interpolated() -> None:
    variables: dict[str, str | int] = {"port": 8443, "host": "db"}
    assert expand("${port}", variables) == 8443
    assert expand("${host}:${port}", variables) == "db:8443"
    assert expand("$${port} ${env:X}", variables) == "$${port} ${env:X}"


def test_built_in_variables_are_known() -> None:
    checklist = load("""
        checklist: c
        title: "Release ${release} to ${environment} of ${project}"
        phase: deploy
        sections:
          - {id: s, title: S, items: [{id: a, title: A, attest: {roles: [ops]}}]}
        """)
    assert checklist.title == "Release 1.4.0 to staging of payments"  # type: ignore[attr-defined]


def test_env_references_resolve_at_run_time_and_become_secrets() -> None:
    checklist = load("""
        checklist: c
        title: C
        phase: deploy
        sections:
          - id: s
            title: S
            items:
              - id: a
                title: A
                check: {http: {url: "${base_url}/x", headers: {Authorization: "Bearer ${env:TOK}"}}}
        """)
    call = checklist.items[0].check  # type: ignore[attr-defined]
    assert call.uses_env
    assert call.spec.headers == {"Authorization": "Bearer ${env:TOK}"}
    secrets = Secrets()
    spec = resolve_env(call.spec, {"TOK": "hunter22"}, secrets)
    assert spec.headers == {"Authorization": "Bearer hunter22"}
    assert spec.url == "https://staging.example/x"
    assert secrets.redact("token hunter22 and hunter22") == "token ••• and •••"


def test_short_secrets_are_masked_as_whole_words_only() -> None:
    secrets = Secrets()
    secrets.add("x")
    secrets.add("prod1")
    assert secrets.redact("exit code x, max prod1; prod12") == "exit code •••, max •••; prod12"
    secrets.add("s3cr3t!/+")
    assert secrets.redact("key=s3cr3t%21%2F%2B and s3cr3t!/+") == "key=••• and •••"


def test_problems_carry_file_line_column_item_and_field() -> None:
    with pytest.raises(ChecklistError) as caught:
        load("""
            checklist: c
            title: C
            phase: deploy
            sections:
              - id: s
                title: S
                items:
                  - {id: a, title: A, check: {disk: {min_fre: 1GB}}}
            """)
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.item, problem.field) == (
        "checks/x.yaml", 9, "a", "check.disk.min_fre")
    assert problem.hint == "did you mean 'min_free'?"


def test_is_checklist_needs_a_top_level_checklist_key() -> None:
    assert is_checklist("# comment\nchecklist: x\n")
    assert not is_checklist("project: x\n  checklist: nested\n")
