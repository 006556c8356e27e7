"""git, version and changelog checks on a real git repository made in a temp dir."""

from __future__ import annotations

import subprocess

import pytest

from conftest import Project, assert_clean, one_item

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


def test_git_missing_tag_and_dirty_tree_fail_with_both_reasons(repo: Project) -> None:
    (repo.path / "VERSION").write_text("1.4.1\n")
    result = run_one(repo, "{git: {tag: 'v1.4.1', clean: true}}")
    result.stdout.fnmatch_lines(["expected a repository ready to release: tag v1.4.1 does not "
                                 "exist; 1 uncommitted changes (first: M VERSION)"])


def test_git_wrong_branch_fails(repo: Project) -> None:
    result = run_one(repo, "{git: {branch: 'release/.+'}}")
    result.stdout.fnmatch_lines(["*branch 'main' does not match 'release/.+'"])


def test_git_outside_a_repository_fails_saying_so(project: Project) -> None:
    project.checklist(one_item("{git: {clean: true}}"))
    result = project.run()
    result.stdout.fnmatch_lines([". is not a git repository with commits (*)"])


def test_version_in_pyproject_equals_the_release(repo: Project) -> None:
    run_one(repo, "{version: {file: pyproject.toml}}").assert_outcomes(passed=1)
    result = run_one(repo, "{version: {file: VERSION, regex: '(\\S+)'}}",
                     "--deploycheck-release", "1.5.0")
    result.stdout.fnmatch_lines(["expected version 1.5.0 in VERSION, found 1.4.0"])


def test_version_not_found_names_the_regex(repo: Project) -> None:
    result = run_one(repo, "{version: {file: CHANGELOG.md}}")
    result.stdout.fnmatch_lines(["no version found in CHANGELOG.md (regex *)"])


def test_changelog_has_a_dated_section_for_the_release(repo: Project) -> None:
    result = run_one(repo, "{changelog: {dated: true}}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["heading: ## [1.4.0] - 2026-11-23", "line: 5"])


def test_changelog_without_the_release_names_the_latest_heading(repo: Project) -> None:
    result = run_one(repo, "{changelog: {}}", "--deploycheck-release", "1.4.1")
    result.stdout.fnmatch_lines(["expected a section for 1.4.1 in CHANGELOG.md; the latest "
                                 "heading is '## [Unreleased]'"])


def test_changelog_does_not_mistake_a_longer_version(repo: Project) -> None:
    result = run_one(repo, "{changelog: {}}", "--deploycheck-release", "1.4")
    result.assert_outcomes(failed=1)
