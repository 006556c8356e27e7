"""Values read through ${env:…} never appear in any output, at any verbosity."""

from __future__ import annotations

import html
import json
import urllib.parse

import pytest

from helpers.project import Project, checklist_of
from helpers.servers import serve, websocket_server

CANARY = "canary-s3cr3t"


# a plain value; one that URLs, JSON, HTML and XML each encode their own way
CANARIES = [CANARY, 'Cn@ry p%ss/Q7&<"\\x>']


@pytest.fixture(params=CANARIES, ids=["plain", "encoded"])
def canary(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def leaky(project: Project, monkeypatch: pytest.MonkeyPatch, canary: str) -> Project:
    monkeypatch.setenv("TOKEN", canary)
    project.write("leaky_checks.py", """
        def shout(token):
            print("the token is", token)
            raise ValueError("bad token " + token)
        """)
    project.pytester.makeini("[pytest]\npythonpath = .\n")  # xdist workers import it too
    return project


def checklist(url: str, ws: str = "ws://127.0.0.1:1") -> str:
    return f"""
        checklist: secrets
        title: Secrets
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - id: api
                title: API answers
                check:
                  http:
                    url: "{url}/status/503?key=${{env:TOKEN}}"
                    headers: {{Authorization: "Bearer ${{env:TOKEN}}"}}
              - id: script
                title: Script runs
                check:
                  command:
                    run: [sh, -c, 'echo "token=$T" >&2; echo "out $T"; exit 1']
                    env: {{T: "${{env:TOKEN}}"}}
              - id: function
                title: Function passes
                check:
                  python: {{function: "leaky_checks:shout", kwargs: {{token: "${{env:TOKEN}}"}}}}
              - id: feed
                title: Feed answers
                check:
                  websocket:
                    url: "{ws}/feed"
                    headers: {{Authorization: "Bearer ${{env:TOKEN}}"}}
                    expect: '"symbol": "NOPE"'
                timeout: 2s
        """


def forms(value: str) -> set[str]:
    """The ways a leak could spell ``value`` (each tested output is searched for all)."""
    found = {value, urllib.parse.quote(value), urllib.parse.quote(value, safe=""),
             urllib.parse.quote_plus(value), html.escape(value), json.dumps(value)[1:-1],
             urllib.parse.quote(value, safe="!#$&'()*+,/:;=?@[]~")}
    return {f for f in found if len(f) >= 6}


@pytest.mark.parametrize("spread", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_canary_secret_appears_in_no_output_in_no_encoding(
    leaky: Project, canary: str, spread: list[str]
) -> None:
    with serve() as server, websocket_server() as ws:
        leaky.checklist(checklist(server.url, ws))
        # in a process of its own, as users run it: this one logs for the test servers
        result = leaky.run_subprocess(
            "-p", "no:randomly", "-vv", "-rA", "--junitxml=junit.xml", "--html=report.html",
            "--self-contained-html", "-o", "junit_logging=all", "--log-cli-level=DEBUG",
            "--log-file=run.log", "--log-file-level=DEBUG", "--log-level=DEBUG",
            "--deploycheck-json=run.json", "--deploycheck-markdown=run.md", *spread)
        (path, headers), = server.seen
    result.assert_outcomes(failed=4)
    # the secret was really used …
    assert headers["Authorization"] == f"Bearer {canary}"
    assert urllib.parse.unquote(path).endswith(f"key={canary}") or canary in path
    # … and shown nowhere, in no encoding
    terminal = result.stdout.str() + result.stderr.str()
    assert "expected status 200, got 503" in terminal
    assert "token=•••" in terminal
    assert "bad token •••" in terminal
    log = (leaky.path / "run.log").read_text()
    if not spread:  # xdist workers log in their own processes
        assert "GET /status/503?key=•••" in log  # urllib3's request line, logged and masked
        assert "Authorization: Bearer •••" in terminal  # websockets' request, live
    for name, text in [("terminal", terminal), ("log file", log),
                       *((n, (leaky.path / n).read_text()) for n in (
                           "junit.xml", "report.html", "run.json", "run.md"))]:
        for form in forms(canary):
            assert form not in text, f"{form!r} shows in the {name}"


def test_an_unset_variable_fails_the_item_naming_the_variable(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEPLOY_TOKEN", raising=False)
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - id: api
                title: API
                check: {http: {url: "http://127.0.0.1:1/", headers: {X: "${env:DEPLOY_TOKEN}"}}}
        """)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["environment variable DEPLOY_TOKEN is not set (the check reads ${env:DEPLOY_TOKEN})"])


def test_env_references_outside_checks_are_a_collection_error(project: Project) -> None:
    project.checklist("""
        checklist: c
        title: "Deploy as ${env:USER}"
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - {id: a, title: A, check: {env: {names: [PATH]}}}
        """)
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(
        ["*checks/app.yaml:2:8: field 'title': ${env:…} can only be used inside a check*"])


def test_a_doubled_dollar_is_a_literal_reference(project: Project) -> None:
    project.checklist("""
        checklist: c
        title: C
        phase: predeploy
        sections:
          - id: s
            title: S
            items:
              - id: a
                title: A
                check: {command: {run: [echo, "$${env:HOME}"], stdout: '^\\$\\{env:HOME\\}$'}}
        """)
    project.run().assert_outcomes(passed=1)


def test_a_secret_is_masked_even_before_the_check_that_reads_it_runs(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN", CANARY)
    project.checklist(checklist_of(
        """{id: early, title: A script that prints its environment,
            check: {command: {run: [sh, -c, 'echo "token=$TOKEN"; exit 1']}}}""",
        """{id: late, title: The check that reads the token,
            check: {command: {run: ["true"], env: {T: "${env:TOKEN}"}}}}"""))
    result = project.run("-vv", "-rA", "--deploycheck-json=run.json")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["stdout: token=•••"])
    assert CANARY not in result.stdout.str()
    assert CANARY not in (project.path / "run.json").read_text()
