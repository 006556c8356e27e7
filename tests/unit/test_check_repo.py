"""git, version and changelog checks on a real git repository made in a temp dir."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.checks import fails, passes, shows

GIT = ["git", "-c", "user.name=Release Bot", "-c", "user.email=bot@example.com",
       "-c", "init.defaultBranch=main"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "payments"\nversion = "1.4.0"\n')
    (tmp_path / "VERSION").write_text("1.4.0\n")
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [1.4.0] - 2026-11-23\n\n## [1.3.2] - 2026-10-01\n")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "Release 1.4.0"],
                 ["tag", "v1.4.0"]):
        subprocess.run([*GIT, *args], cwd=tmp_path, check=True, timeout=30,
                       capture_output=True)
    return tmp_path


def test_git_tag_clean_tree_and_branch_pass(repo: Path) -> None:
    result = passes("git", {"tag": "v${release}", "clean": True, "branch": "main|release/.+"},
                    root=repo, release="1.4.0")
    shows(result, commit="*", tag_commit="*", changes="0", branch="main")


def test_git_missing_tag_and_dirty_tree_fail_with_both_reasons(repo: Path) -> None:
    (repo / "VERSION").write_text("1.4.1\n")
    fails("git", {"tag": "v1.4.1", "clean": True},
          "expected a repository ready to release: tag v1.4.1 does not exist; 1 uncommitted "
          "changes (first: M VERSION)", root=repo)


def test_git_wrong_branch_fails(repo: Path) -> None:
    fails("git", {"branch": "release/.+"}, "*branch 'main' does not match 'release/.+'",
          root=repo)


def test_git_outside_a_repository_fails_saying_so(tmp_path: Path) -> None:
    fails("git", {"clean": True}, ". is not a git repository with commits (*)", root=tmp_path)


def test_version_in_pyproject_equals_the_release(repo: Path) -> None:
    passes("version", {"file": "pyproject.toml"}, root=repo, release="1.4.0")
    fails("version", {"file": "VERSION", "regex": r"(\S+)"},
          "expected version 1.5.0 in VERSION, found 1.4.0", root=repo, release="1.5.0")


def test_version_without_a_release_says_how_to_set_one(repo: Path) -> None:
    fails("version", {"file": "pyproject.toml"},
          "the release is unknown: pass --deploycheck-release or set 'expect'", root=repo)


def test_version_not_found_names_the_regex(repo: Path) -> None:
    fails("version", {"file": "CHANGELOG.md"}, "no version found in CHANGELOG.md (regex *)",
          root=repo, release="1.4.0")


def test_changelog_has_a_dated_section_for_the_release(repo: Path) -> None:
    result = passes("changelog", {"dated": True}, root=repo, release="1.4.0")
    shows(result, heading="## [1.4.0] - 2026-11-23", line="5")


def test_changelog_without_the_release_names_the_latest_heading(repo: Path) -> None:
    fails("changelog", {}, "expected a section for 1.4.1 in CHANGELOG.md; the latest heading "
          "is '## [Unreleased]'", root=repo, release="1.4.1")


def test_changelog_does_not_mistake_a_longer_version(repo: Path) -> None:
    fails("changelog", {}, "expected a section for 1.4 in CHANGELOG.md*", root=repo,
          release="1.4")
