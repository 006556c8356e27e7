"""A mistake in a checklist is a collection error naming file, line, item and field."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.project import Project, assert_clean, one_item


def errors_of(project: Project, *args: str) -> str:
    result = project.run(*args)
    assert result.ret == 2, result.stdout.str()  # interrupted: errors during collection
    assert_clean(result)
    return result.stdout.str()


def test_a_misspelt_key_names_file_line_item_field_and_the_right_key(project: Project) -> None:
    project.checklist(one_item('{http: {url: "http://127.0.0.1:1/", stauts: 200}}'))
    out = errors_of(project)
    assert ("checks/app.yaml:10:52: item 'probe', field 'check.http.stauts': unknown key "
            "'stauts' — did you mean 'status'?") in out


def test_an_unknown_check_type_lists_the_known_ones(project: Project) -> None:
    project.checklist(one_item('{htpp: {url: "http://x/"}}'))
    out = errors_of(project)
    assert ("item 'probe', field 'check.htpp': unknown check type 'htpp' — did you mean "
            "'http'? known check types: calendar, changelog, command, coverage, disk, dns, env, "
            "file, git, http, junit, logs, memory, package, port, process, prometheus, python, "
            "service, sql, tcp, tls, version, websocket") in out


def test_two_items_with_one_id_are_an_error_naming_both_lines(project: Project) -> None:
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        sections:
          - id: a
            title: A
            items:
              - {id: same, title: One, check: {env: {names: [PATH]}}}
          - id: b
            title: B
            items:
              - {id: same, title: Two, check: {env: {names: [PATH]}}}
        """)
    out = errors_of(project)
    assert ("checks/app.yaml:12:14: item 'same', field 'id': duplicate item id 'same' — it is "
            "already used in section 'a' on line 8") in out


def test_duplicate_yaml_keys_are_an_error(project: Project) -> None:
    project.checklist(one_item('{tcp: {host: 127.0.0.1, port: 1, port: 2}}'))
    out = errors_of(project)
    assert "checks/app.yaml:10:49: duplicate key 'port' — it is already set on line 10" in out


def test_unknown_variable_suggests_the_close_one(project: Project) -> None:
    project.config("""
        environments:
          staging:
            variables: {base_url: "http://127.0.0.1:1"}
        """)
    project.checklist(one_item('{http: {url: "${base_ur}/health"}}'))
    out = errors_of(project)
    assert ("item 'probe', field 'check.http.url': unknown variable ${base_ur} — did you mean "
            "'base_url'?") in out


def test_unknown_phase_suggests_the_close_one(project: Project) -> None:
    project.checklist(one_item('{env: {names: [PATH]}}', phase="post-deploy"))
    out = errors_of(project)
    assert ("checks/app.yaml:3:8: item 'probe', field 'phase': unknown phase 'post-deploy' — "
            "did you mean 'postdeploy'?") in out


def test_wrong_types_say_what_was_expected_and_found(project: Project) -> None:
    project.checklist(one_item('{tcp: {host: 127.0.0.1, port: [1]}}',
                               extra="timeout: soon"))
    out = errors_of(project)
    assert ("item 'probe', field 'check.tcp.port': expected a whole number, got a list") in out
    assert ("item 'probe', field 'timeout': expected a time limit greater than 0 and at most "
            "1d, such as 500ms, 10s or 2m, got 'soon'") in out


@pytest.mark.parametrize(("written", "found"), [
    (".nan", "the number nan"), ("0", "the number 0"), (".inf", "the number inf"),
    ("1.0e+30", "the number 1e+30"), ("2d", "'2d'"), ("-1s", "'-1s'")])
def test_a_time_limit_is_positive_finite_and_at_most_a_day(
    project: Project, written: str, found: str
) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}", extra=f"timeout: {written}"))
    assert ("item 'probe', field 'timeout': expected a time limit greater than 0 and at most "
            f"1d, such as 500ms, 10s or 2m, got {found}") in errors_of(project)
    project.checklist(one_item("{env: {names: [PATH]}}",
                               extra=f"retry: {{timeout: 5s, interval: {written}}}"))
    assert "field 'retry.interval': expected a time limit greater than 0" in errors_of(project)


def test_quorum_0_says_what_quorum_takes_and_nothing_else(project: Project) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}").replace(
        "check: {env: {names: [PATH]}}", "attest: {roles: [qa-lead], quorum: 0}"))
    out = errors_of(project)
    assert "field 'attest.quorum': expected a number of at least 1, got the number 0" in out
    assert "exactly one of 'check'" not in out


def test_an_item_with_neither_check_nor_attest_is_an_error(project: Project) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}").replace(
        "check: {env: {names: [PATH]}}", "description: nothing to do"))
    out = errors_of(project)
    assert "an item needs exactly one of 'check' (automated) or 'attest' (manual)" in out


def test_ids_with_pytest_separators_are_rejected(project: Project) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}").replace("id: probe", "id: 'a::b'"))
    out = errors_of(project)
    assert "field 'id': expected an id of letters, digits" in out


def test_a_yaml_tag_is_rejected_and_never_constructed(project: Project) -> None:
    project.checklist(one_item("!!python/object/apply:os.system [echo pwned]"))
    out = errors_of(project)
    assert "YAML tag '!!python/object/apply:os.system' is not allowed" in out
    assert "pwned" not in out.replace("[echo pwned]", "")


def test_broken_yaml_names_the_line(project: Project) -> None:
    project.checklist("checklist: c\ntitle: [unclosed\nsections: []\n")
    out = errors_of(project)
    assert "checks/app.yaml:3:9: invalid YAML: while parsing a flow sequence" in out


def test_every_mistake_of_a_file_is_reported_at_once(project: Project) -> None:
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        tags: [skip]
        sections:
          - id: s
            title: S
            items:
              - {id: a, title: A, check: {tcp: {host: h, port: 99999}}}
              - {id: b, title: B, check: {disk: {min_free: lots}}}
              - {id: c, title: C, retry: {timeout: 1m, intervl: 1s}, check: {env: {names: [X]}}}
        """)
    out = errors_of(project)
    assert "deploycheck: 4 mistakes in the checklist:" in out
    assert "tag 'skip' is reserved" in out
    assert "expected a number of at most 65535, got the number 99999" in out
    assert "expected a size such as 512MiB, 20GB or 1TiB, got 'lots'" in out
    assert "unknown key 'intervl' — did you mean 'interval'?" in out


def test_a_config_mistake_is_reported_with_its_file_and_line(project: Project) -> None:
    project.config("""
        project: x
        enviroments: {}
        """)
    project.checklist(one_item("{env: {names: [PATH]}}"))
    out = errors_of(project)
    assert ("checks/deploycheck.yaml:2:1: field 'enviroments': unknown key 'enviroments' — "
            "did you mean 'environments'?") in out


def test_an_unknown_environment_on_the_command_line_lists_the_known_ones(
    project: Project,
) -> None:
    project.config("environments: {staging: {}, production: {}}\ndefault_environment: staging\n")
    project.checklist(one_item("{env: {names: [PATH]}}"))
    out = errors_of(project, "--deploycheck-env", "prod")
    assert "unknown environment 'prod' — did you mean 'production'?" in out


def test_duplicate_checklist_ids_across_files_are_an_error(project: Project) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}"), name="a")
    project.checklist(one_item("{env: {names: [PATH]}}"), name="b")
    out = errors_of(project)
    assert "checks/b.yaml:1:1: field 'checklist': duplicate checklist id 'app' — " \
           "checks/a.yaml already uses it" in out


def test_collection_errors_show_no_traceback_even_verbose(project: Project) -> None:
    project.checklist(one_item('{http: {url: 5}}'))
    out = errors_of(project, "-vv")
    assert "field 'check.http.url': expected text, got the number 5 — quote it" in out


GATE = b"""checklist: gate
title: Gate
phase: predeploy
sections:
  - id: s
    title: S
    items:
      - {id: nope, title: "Caf\xe9 open", check: {env: {names: [DC_NOT_SET_ANYWHERE]}}}
"""


@pytest.mark.parametrize("named", [[], ["checks/ok.yaml"], ["checks/gate.yaml"]],
                         ids=["all", "the-other-file", "the-file"])
def test_a_checklist_that_is_not_utf8_closes_the_gate_naming_the_byte(
    project: Project, named: list[str]
) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}").replace("app", "ok"), name="ok")
    (project.path / "checks" / "gate.yaml").write_bytes(GATE)
    result = project.run("-m", "predeploy", *named)
    assert_clean(result)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*checks/gate.yaml:8:31: cannot read the checklist: not UTF-8 "
                                 "text: byte 0xe9 — save it as UTF-8*"])
    assert "READY" not in result.stdout.str()


def test_a_nul_byte_is_reported_where_it_is(project: Project) -> None:
    lines = one_item("{env: {names: [PATH]}}").splitlines()
    text = "\n".join(lines[:-1] + [f"                # {n}" for n in range(770)] + [
        '                # a \x00 here'])
    project.checklist(text)
    out = errors_of(project)
    assert ("checks/app.yaml:782:13: invalid YAML: character U+0000 is not allowed — remove "
            "it") in out


def test_a_checklist_emptied_or_made_a_scalar_is_named_in_the_header(project: Project) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}"))
    project.write("checks/emptied.yaml", "# nothing here any more\n")
    project.write("checks/scalar.yml", '"just a line of text"\n')
    project.write("checks/attestations/a.yaml", "[]\n")  # YAML, not a checklist: not named
    result = project.run()
    result.stdout.fnmatch_lines([
        "deploycheck: checks/emptied.yaml: not a checklist (no data), skipped",
        "deploycheck: checks/scalar.yml: not a checklist (no data), skipped"])
    assert "attestations/a.yaml" not in result.stdout.str()


def test_a_checklist_that_lost_its_checklist_key_is_an_error(project: Project) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}").replace("checklist: app",
                                                                 "checklst: app"))
    out = errors_of(project)
    assert "checks/app.yaml:1:1: not a checklist: the top level needs a 'checklist:' key" in out


@pytest.mark.parametrize(("make", "kind"), [
    (lambda p: p.symlink_to("/dev/zero"), "a character device"),
    (os.mkfifo, "a named pipe"),
    (lambda p: p.mkdir(), "a directory"),
])
def test_a_device_pipe_or_directory_among_the_checklists_is_refused_quickly(
    project: Project, make: Callable[[Path], None], kind: str
) -> None:
    project.checklist(one_item("{env: {names: [PATH]}}"))
    where = project.path / "checks" / "attestations" / "x.yaml"
    where.parent.mkdir()
    make(where)
    started = time.monotonic()
    result = project.run("-m", "predeploy")
    assert time.monotonic() - started < 10
    assert_clean(result)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        f"checks/attestations/x.yaml: cannot read the checklist: not a regular file ({kind}); "
        "its items did not run",
        "predeploy: 1/1 passed — BLOCKED: 1 checklist with mistakes (checks/attestations/x.yaml)"])


def test_a_checklist_without_a_phase_is_one_mistake_not_one_per_item(
    project: Project
) -> None:
    project.checklist("""
        checklist: app
        title: App
        sections:
          - id: s
            title: S
            items:
              - {id: a, title: A, check: {env: {names: [PATH]}}}
              - {id: b, title: B, check: {env: {names: [PATH]}}}
              - {id: c, title: C, check: {env: {names: [PATH]}}}
        """)
    result = project.run("--collect-only")
    result.stdout.fnmatch_lines([
        "deploycheck: 1 mistake in the checklist:",
        "  checks/app.yaml:*: field 'phase': 3 items have no phase (the first: 'a') — set "
        "'phase' on the item, its section or the checklist: one of predeploy, deploy, "
        "postdeploy, rollback"])


def test_an_unquoted_variable_in_braces_says_to_quote_it(project: Project) -> None:
    project.checklist(one_item("{file: {path: ${release}/notes.md}}"))
    result = project.run("--collect-only")
    result.stdout.fnmatch_lines([
        "*invalid YAML: while parsing a flow mapping did not find expected ',' or '}' — quote "
        'a ${…} inside { } or [[] ]: "${release}", as YAML reads { and } there'])
