"""The sql check on SQLite and on a throwaway PostgreSQL cluster, with real Alembic scripts."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import IN_CI, Project, one_item
from servers import closed_port

MIGRATION = '''
revision = "{rev}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


@pytest.fixture
def db(project: Project) -> Project:
    with sqlite3.connect(project.path / "app.db") as conn:
        conn.executescript("""
            create table orders (id integer primary key, symbol text, qty integer);
            create index ix_orders_symbol on orders (symbol);
            insert into orders (symbol, qty) values ('AAPL', 10), ('MSFT', 5);
            create table alembic_version (version_num varchar(32) primary key);
            insert into alembic_version values ('0001');
            """)
    versions = project.path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_orders.py").write_text(MIGRATION.format(rev="0001", down="None"))
    return project


def run_one(project: Project, spec: str, extra: str = "") -> pytest.RunResult:
    return project.run_check(f"{{sql: {{{spec}}}}}", extra=extra)


def test_a_query_returning_the_expected_scalar_passes(db: Project) -> None:
    result = run_one(db, "url: 'sqlite:///app.db', query: \"select count(*) from sqlite_master "
                         "where name = 'ix_orders_symbol'\", equals: 1")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["database: sqlite:///app.db", "rows: 1", "result: 1"])


def test_rows_and_bounds_say_what_they_got(db: Project) -> None:
    result = run_one(db, "url: 'sqlite:///app.db', query: 'select sum(qty) from orders', "
                         "min: 20")
    result.stdout.fnmatch_lines(["expected at least 20, the query returned 15"])
    result = run_one(db, "url: 'sqlite:///app.db', query: 'select symbol from orders order by "
                         "symbol', rows: [[AAPL], [TSLA]]")
    result.stdout.fnmatch_lines(["expected rows [['AAPL'], ['TSLA']], got [['AAPL'], ['MSFT']]"])


def test_a_broken_query_fails_with_the_databases_words(db: Project) -> None:
    result = run_one(db, "url: 'sqlite:///app.db', query: 'select * from nope'")
    result.stdout.fnmatch_lines(["sqlite:///app.db: no such table: nope"])


def test_no_pending_migrations_passes_and_a_new_script_fails(db: Project) -> None:
    run_one(db, "url: 'sqlite:///app.db', migrations: migrations").assert_outcomes(passed=1)
    (db.path / "migrations" / "versions" / "0002_index.py").write_text(
        MIGRATION.format(rev="0002", down='"0001"'))
    result = run_one(db, "url: 'sqlite:///app.db', migrations: migrations")
    result.stdout.fnmatch_lines(["expected no pending migrations; the database is at 0001, the "
                                 "scripts' head is 0002"])


def test_expectations_without_a_query_are_a_collection_error(project: Project) -> None:
    project.checklist(one_item("{sql: {url: 'sqlite:///x.db', equals: 1}}"))
    result = project.run()
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*equals, min, max and rows need a query"])


# -- PostgreSQL ------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb") is None:
        reason = "PostgreSQL server binaries are not installed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    bindir = Path(found[-1]).parent if found else Path(str(shutil.which("initdb"))).parent
    data = Path(tempfile.mkdtemp(prefix="deploycheck-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True, timeout=120)
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-w", "-l",
                    str(data / "log"), "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(data, ignore_errors=True)


def test_postgresql_answers_a_query(project: Project, postgres: str) -> None:
    result = run_one(project, f"url: '{postgres}', query: 'select 40 + 2', equals: 42")
    result.assert_outcomes(passed=1)


def test_the_password_in_the_url_is_never_shown(
    project: Project, postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "canary-s3cr3t")
    url = postgres.replace("postgres@", "postgres:${env:DB_PASSWORD}@")
    result = run_one(project, f"url: '{url}', query: 'select * from nope'")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*: relation \"nope\" does not exist"])
    assert "canary-s3cr3t" not in result.stdout.str()


def test_postgresql_down_fails_within_the_timeout(project: Project) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postgres"
    result = run_one(project, f"url: '{url}'", extra="timeout: 3s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["postgresql+psycopg://postgres@127.0.0.1:*/postgres: *"
                                 "onnection refused*"])
