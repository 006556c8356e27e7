"""The loader as plain code: YAML in, frozen checklist out (no pytest run)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_deploycheck.documents import is_checklist
from pytest_deploycheck.errors import ChecklistError
from pytest_deploycheck.loader import load_checklist
from pytest_deploycheck.project import Project, load_project
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


LINKED = """
    checklist: prod
    title: Production
    phase: predeploy
    sections:
      - id: sec
        title: Security
        items:
          - id: waf
            title: WAF rules configured
            links:
              - {title: Runbook, url: "${base_url}/runbooks/waf"}
              - {ticket: OPS 12/a}
            check: {tcp: {host: example, port: 443}}
    """


def linked(text: str, templates: dict[str, str]) -> object:
    from dataclasses import replace

    project = replace(PROJECT, link_templates=templates)
    return load_checklist(textwrap.dedent(text), "checks/x.yaml", project.select(None, None))


def test_links_are_written_out_or_filled_into_the_projects_link_templates() -> None:
    checklist = linked(LINKED, {"ticket": "https://jira.example.com/browse/{}"})
    (item,) = checklist.items  # type: ignore[attr-defined]
    assert [(link.title, link.url) for link in item.links] == [
        ("Runbook", "https://staging.example/runbooks/waf"),
        ("OPS 12/a", "https://jira.example.com/browse/OPS%2012%2Fa")]


@pytest.mark.parametrize(("link", "templates", "message"), [
    ("{tikcet: OPS-12}", {"ticket": "https://j/{}"},
     "checks/x.yaml:13:14: item 'waf', field 'links[1]': unknown link template 'tikcet' — "
     "did you mean 'ticket'?"),
    ("{ticket: OPS-12}", {},
     "checks/x.yaml:13:14: item 'waf', field 'links[1]': unknown link template 'ticket' — "
     "declare it in the project config: link_templates: {ticket: https://…/{}}"),
    ("{title: Runbook, url: 'javascript:alert(1)'}", {},
     "checks/x.yaml:13:35: item 'waf', field 'links[1]': not a link: 'javascript:alert(1)' — "
     "an http(s):// or mailto: address"),
    ("{title: Runbook}", {},
     "checks/x.yaml:13:13: item 'waf', field 'links[1]': a link is {title: …, url: …}, or a "
     "link template and its value — such as {ticket: OPS-12}"),
], ids=["misspelt template", "no templates", "script address", "no url"])
def test_a_wrong_link_is_a_collection_error_naming_the_item_and_field(
    link: str, templates: dict[str, str], message: str
) -> None:
    text = LINKED.replace("- {ticket: OPS 12/a}", f"- {link}")
    with pytest.raises(ChecklistError) as caught:
        linked(text, templates)
    assert str(caught.value.problems[0]) == message


@pytest.mark.parametrize(("templates", "message"), [
    ("{ticket: https://jira.example.com/browse/}",
     "checks/deploycheck.yaml:2:26: field 'link_templates.ticket': a link template is an "
     "http(s) URL with one {} where the value goes, such as https://jira.example.com/browse/{}"),
    ("{url: 'https://x.example/{}'}",
     "checks/deploycheck.yaml:2:23: field 'link_templates.url': a link template's name is a "
     "word (letters, digits, '-', '_'), not 'title' or 'url'"),
], ids=["no place for the value", "a name links use"])
def test_a_wrong_link_template_is_a_config_error(tmp_path: Path, templates: str,
                                                  message: str) -> None:
    config = tmp_path / "deploycheck.yaml"
    config.write_text(f"project: payments\nlink_templates: {templates}\n")
    with pytest.raises(ChecklistError) as caught:
        load_project(config, "checks/deploycheck.yaml", "x")
    assert str(caught.value.problems[0]) == message
