"""git and version checks as items, with the release from the config or the command line
(each check's judgement in detail is in ``unit/test_check_repo.py``)."""

from __future__ import annotations

import subprocess

import pytest

from helpers.project import Project, assert_clean, one_item

GIT = ["git", "-c", "user.name=Release Bot", "-c", "user.email=bot@example.com",
       "-c", "init.defaultBranch=main"]


@pytest.fixture
def repo(project: Project) -> Project:
    project.write("pyproject.toml", '[project]\nname = "payments"\nversion = "1.4.0"\n')
    project.write("VERSION", "1.4.0\n")
    project.write("CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n\n## [1.4.0] - 2026-11-23\n"
                  "\n## [1.3.2] - 2026-10-01\n")
    project.config("release: 1.4.0\n")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "Release 1.4.0"],
                 ["tag", "v1.4.0"]):
        subprocess.run([*GIT, *args], cwd=project.path, check=True, timeout=30,
                       capture_output=True)
    return project


def run_one(project: Project, check: str, *args: str) -> pytest.RunResult:
    project.checklist(one_item(check))
    subprocess.run([*GIT, "add", "checks"], cwd=project.path, check=True, timeout=30)
    subprocess.run([*GIT, "commit", "-qm", "checks", "--allow-empty"], cwd=project.path,
                   check=True, timeout=30)
    result = project.run("-rA", *args)
    assert_clean(result)
    return result


def test_git_tag_clean_tree_and_branch_pass(repo: Project) -> None:
    result = run_one(repo, "{git: {tag: 'v${release}', clean: true, branch: 'main|release/.+'}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["commit: *", "tag commit: *", "changes: 0", "branch: main"])


def test_version_in_pyproject_equals_the_release(repo: Project) -> None:
    run_one(repo, "{version: {file: pyproject.toml}}").assert_outcomes(passed=1)
    result = run_one(repo, "{version: {file: VERSION, regex: '(\\S+)'}}",
                     "--deploycheck-release", "1.5.0")
    result.stdout.fnmatch_lines(["expected version 1.5.0 in VERSION, found 1.4.0"])


