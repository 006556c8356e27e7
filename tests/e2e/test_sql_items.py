"""The sql check as an item: its spec's mistakes at collection, a password from the
environment in no output (its judgement is in ``unit/test_check_sql.py``)."""

from __future__ import annotations

import pytest

from helpers.project import Project, one_item


def run_one(project: Project, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{sql: {{{spec}}}}}", extra=extra)


def test_expectations_without_a_query_are_a_collection_error(project: Project) -> None:
    project.checklist(one_item("{sql: {url: 'sqlite:///x.db', equals: 1}}"))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*equals, min, max and rows need a query"])


# -- PostgreSQL ------------------------------------------------------------------

def test_the_password_in_the_url_is_never_shown(
    project: Project, postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "canary-s3cr3t")
    url = postgres.replace("postgres@", "postgres:${env:DB_PASSWORD}@")
    result = run_one(project, f"url: '{url}', query: 'select * from nope'")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*: relation \"nope\" does not exist"])
    assert "canary-s3cr3t" not in result.stdout.str()


