"""`deploycheck import`: Markdown checklists become checklist YAML, one item per line."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers.project import Project, assert_clean
from helpers.seeds import DATA, seed_lines
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
