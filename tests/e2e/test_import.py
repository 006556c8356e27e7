"""`deploycheck import`: Markdown checklists become checklist YAML, one item per line."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import trustme

from helpers.project import Project, assert_clean
from helpers.seeds import DATA, seed_lines
from helpers.servers import certificate_server
from pytest_deploycheck.yamlsrc import load


def declare_roles(project: Project, *files: str) -> None:
    """The project config, declaring every role the imported checklists name."""
    roles = {r for name in files for s in load((project.path / name).read_text(), name
                                                 ).data["sections"]
             for i in s["items"] for r in i["attest"]["roles"]}
    project.config("roles: {" + ", ".join(f"{r}: [{r}@example.com]" for r in sorted(roles))
                   + "}\n")


def deploycheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest_deploycheck", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("seed", "count"), [("production-checklist.md", 118),
                                             ("backtesting-release-checklist.md", 41)])
def test_each_seed_line_becomes_an_item_with_its_own_words(
    project: Project, seed: str, count: int
) -> None:
    done = deploycheck("import", str(DATA / seed), "-o", "checks/imported.yaml",
                       cwd=project.path)
    assert done.returncode == 0, done.stderr
    assert f"imported {count} items" in done.stderr
    data = load((project.path / "checks/imported.yaml").read_text(), "imported.yaml").data
    titles = [i["title"] for s in data["sections"] for i in s["items"]]
    assert titles == seed_lines((DATA / seed).read_text())
    assert len(titles) == count
    assert "its sign-offs name the roles release-manager, " in done.stderr
    declare_roles(project, "checks/imported.yaml")
    result = project.run("--collect-only", "-q")
    assert_clean(result)
    result.stdout.fnmatch_lines([f"{count} tests collected*"])


def test_phases_come_from_the_headings_and_steps_are_runbooks(project: Project) -> None:
    deploycheck("import", str(DATA / "production-checklist.md"), "-o", "checks/p.yaml",
                cwd=project.path)
    data = load((project.path / "checks/p.yaml").read_text(), "p.yaml").data
    phases = {s["title"]: (s["phase"], s.get("ordered", False)) for s in data["sections"]}
    assert phases["Code Review & Testing"] == ("predeploy", False)
    assert phases["Pre-Deployment Checks"] == ("deploy", False)  # under "Deployment Phase"
    assert phases["Monitoring (First 24 Hours)"] == ("postdeploy", False)
    assert phases["Rollback Steps"] == ("rollback", True)
    declare_roles(project, "checks/p.yaml")
    project.run("-m", "rollback", "--collect-only", "-q").stdout.fnmatch_lines(
        ["13/118 tests collected*"])


UNSEEN = """
    # Mobile app release

    Some prose that is not an item.

    ## Before the release
    * [ ] Store listing screenshots updated
    - [x] SSL certificates installed and valid
    - [ ] Crash-free rate above 99.5% in beta

    ### Sub-checks
    1. [ ] Disk space adequate on the build machine
    2. [ ] Unit tests pass

    ## Release day

    | Task | Done | Notes |
    |------|:----:|-------|
    | **Android** | | |
    | Upload the bundle | ☐ | |
    | Staged rollout at 10% | ☑ | started |
    | **iOS** | | |
    | Submit for review | ☐ | |

    ## After the release
    - [ ] Health checks passing
    - [ ] Reviews read

    ## If it goes wrong
    1. Halt the staged rollout
    2. Revert the feature flag

    ## Approval

    | Role | Name | Signature | Date |
    |------|------|-----------|------|
    | Release Manager | | | |
    """


def test_an_unseen_markdown_checklist_gives_an_item_per_checkbox(project: Project) -> None:
    (project.path / "mobile.md").write_text(textwrap.dedent(UNSEEN))
    done = deploycheck("import", "mobile.md", "-o", "checks/mobile.yaml", cwd=project.path)
    assert done.returncode == 0, done.stderr
    text = (project.path / "checks/mobile.yaml").read_text()
    data = load(text, "mobile.yaml").data
    assert data["checklist"] == "mobile"
    assert data["title"] == "Mobile app release"
    got = [(s["title"], s["phase"], s.get("ordered", False), [i["title"] for i in s["items"]])
           for s in data["sections"]]
    assert got == [
        ("Before the release", "predeploy", False, [
            "Store listing screenshots updated", "SSL certificates installed and valid",
            "Crash-free rate above 99.5% in beta"]),
        ("Sub-checks", "predeploy", True, ["Disk space adequate on the build machine",
                                           "Unit tests pass"]),
        ("Android", "deploy", False, ["Upload the bundle", "Staged rollout at 10%"]),
        ("iOS", "deploy", False, ["Submit for review"]),
        ("After the release", "postdeploy", False, ["Health checks passing", "Reviews read"]),
        ("If it goes wrong", "rollback", True, ["Halt the staged rollout",
                                                "Revert the feature flag"]),
        ("Approval", "predeploy", False, ["Release Manager sign-off"]),
    ]
    approval = data["sections"][-1]["items"][0]
    assert approval["attest"] == {"roles": ["release-manager"]}
    # where the wording names a probe, a commented template shows how to automate it
    assert '#   tls: {host: "${tls_host}", port: "${tls_port}", min_days_left: 14}' in text
    assert "#   disk: {path: /, min_free: 20GB}" in text
    assert '#   http: {url: "${base_url}/health", status: 200}' in text
    result = project.run("--collect-only", "-q")  # a role nobody declared: say which
    result.stdout.fnmatch_lines(["*field 'attest.roles[[]0]': unknown role 'release-manager' "
                                 "— declare it under 'roles:' in the project config*"])
    declare_roles(project, "checks/mobile.yaml")
    project.run("--collect-only", "-q").stdout.fnmatch_lines(["13 tests collected*"])


def test_a_commented_template_is_a_valid_check_once_uncommented(project: Project) -> None:
    (project.path / "m.md").write_text("# M\n## Before deploy\n- [ ] Disk space adequate\n")
    deploycheck("import", "m.md", "-o", "checks/m.yaml", cwd=project.path)
    text = (project.path / "checks/m.yaml").read_text()
    automated = re.sub(r"        attest: .*\n        # automate it: replace 'attest' with\n"
                       r"        # check:\n        #   (.*)\n", r"        check: {\1}\n", text)
    (project.path / "checks/m.yaml").write_text(automated)
    project.run().assert_outcomes(passed=1)


def test_import_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    (tmp_path / "prose.md").write_text("# Notes\nNothing to tick here.\n")
    done = deploycheck("import", "prose.md", cwd=tmp_path)
    assert done.returncode == 1
    assert "prose.md has no checklist lines" in done.stderr
    done = deploycheck("import", "missing.md", cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (
        1, "deploycheck import: cannot read missing.md: No such file or directory")
    (tmp_path / "a.md").write_text("- [ ] One\n")
    (tmp_path / "a.yaml").write_text("keep me\n")
    done = deploycheck("import", "a.md", "-o", "a.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "a.yaml exists; pass --force to replace it" in done.stderr
    assert (tmp_path / "a.yaml").read_text() == "keep me\n"


GO_LIVE = DATA / "import" / "go-live.md"


def test_a_real_world_shaped_checklist_every_checkbox_an_item_by_its_people(
    project: Project
) -> None:
    """Setext headings, a numbered table with a Who column, nested lists, change-window and
    after-go-live sections, glyphs, an HTML checkbox, an inline box after bold text, a
    sign-off heading per role and a Name/Date line; front matter ignored, a checkbox in a
    code block reported with its line."""
    done = deploycheck("import", str(GO_LIVE), "-o", "checks/go.yaml", cwd=project.path)
    assert done.returncode == 0, done.stderr
    data = load((project.path / "checks/go.yaml").read_text(), "go.yaml").data
    got = [(s["title"], s["phase"], s.get("ordered", False),
            [(i["title"], i["attest"]["roles"]) for i in s["items"]])
           for s in data["sections"]]
    assert data["title"] == "Go-live checklist"
    assert got == [
        ("Preparation", "predeploy", False, [
            ("SSL certificate valid for more than 21 days", ["ops"]),
            ("Disk space: at least 50GB free on db-1", ["dba", "ops"]),
            ("Coverage above 85%", ["dev-lead"]),
            ("Change ticket approved", ["release-manager"]),
            ("CAB minutes attached", ["release-manager"]),
            ("Rollout plan reviewed", ["release-manager"])]),
        ("During the change window", "deploy", True, [
            ("Put the site in maintenance mode", ["release-manager"]),
            ("Deploy the release", ["release-manager"]),
            ("Health checks respond in under 300 ms", ["release-manager"])]),
        ("After go-live", "postdeploy", False, [
            ("Smoke tests pass", ["release-manager"]),
            ("Error rates normal", ["release-manager"]),
            ("Dashboards updated", ["release-manager"]),
            ("Final Approval: Ready to close the change", ["release-manager"])]),
        ("Technical Lead", "predeploy", False, [
            ("Reviewed the deployment", ["technical-lead"])]),
        ("Operations Manager", "predeploy", False, [
            ("Confirmed monitoring", ["operations-manager"]),
            ("Operations Manager sign-off", ["operations-manager"])]),
    ]
    assert data["sections"][0]["items"][1]["owner"] == "DBA / Ops"  # as written, for reports
    nested = data["sections"][0]["items"][4]
    assert nested["description"] == "Change ticket approved"  # its parent, as context
    assert ("go-live.md:36: looks like a checkbox but is no item (without text, or in code, "
            "or outside a list, table or paragraph): - [ ] this is an example in code"
            ) in done.stderr
    assert "phases: predeploy ← 'Preparation'; deploy ← 'During the change window'; " \
           "postdeploy ← 'After go-live'" in done.stderr
    assert "\nroles:\n  ops: [ops@example.com]\n  dba: [dba@example.com]\n" in done.stderr
    # the numbers of the text go into the templates
    text = (project.path / "checks/go.yaml").read_text()
    assert "min_days_left: 21}" in text
    assert "min_free: 50GB}" in text
    assert "min_percent: 85}" in text
    assert "max_latency: 300ms}" in text
    roles = "".join(line + "\n" for line in done.stderr.splitlines()
                    if line.startswith("  ") and "@example.com" in line)
    project.config("roles:\n" + roles)
    result = project.run("--collect-only", "-q")
    assert_clean(result)
    result.stdout.fnmatch_lines(["16 tests collected*"])
    # the same file imported again: the same ids, so a re-import diffs cleanly
    again = deploycheck("import", str(GO_LIVE), cwd=project.path)
    assert again.stdout == text


def test_phase_map_sets_a_heading_and_what_lies_under_it(project: Project) -> None:
    done = deploycheck("import", str(GO_LIVE), "--phase-map", "Sign-off=postdeploy",
                       "--phase-map", "Preparation=deploy", cwd=project.path)
    data = load(done.stdout, "go.yaml").data
    assert [s["phase"] for s in data["sections"]] == ["deploy", "deploy", "postdeploy",
                                                      "postdeploy", "postdeploy"]
    bad = deploycheck("import", str(GO_LIVE), "--phase-map", "Preparation", cwd=project.path)
    assert bad.returncode == 2
    assert "'Preparation': expected 'Heading=PHASE', PHASE one of predeploy, deploy, " \
           "postdeploy, rollback" in bad.stderr


def test_automate_writes_the_complete_checks_and_they_run(
    project: Project, tls_ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.path / "tls.md").write_text(
        "# Edge\n## Before the release\n- [ ] SSL certificate valid for more than 21 days\n"
        "- [ ] Stakeholders informed\n")
    done = deploycheck("import", "tls.md", "--automate", "-o", "checks/edge.yaml",
                       cwd=project.path)
    assert done.returncode == 0, done.stderr
    text = (project.path / "checks/edge.yaml").read_text()
    assert ('check: {tls: {host: "${tls_host}", port: "${tls_port}", min_days_left: 21}}'
            in text)
    assert "imported 2 items as checklist 'tls' into checks/edge.yaml; 1 automated" \
        in done.stderr
    assert "variables:\n  tls_host: api.example.com\n  tls_port: 443" in done.stderr
    ca_file = project.path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    with certificate_server(tls_ca, "127.0.0.1") as port:
        project.config("roles: {release-manager: [rm@example.com]}\n"
                       f"variables: {{tls_host: 127.0.0.1, tls_port: {port}}}\n")
        result = project.run("-rA", "-k", "ssl")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*days left: *"])
