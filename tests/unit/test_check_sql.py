"""The sql check on SQLite and on a throwaway PostgreSQL cluster, with real Alembic scripts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers.checks import fails, passes, shows
from helpers.servers import closed_port

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
URL = "sqlite:///app.db"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.executescript("""
            create table orders (id integer primary key, symbol text, qty integer);
            create index ix_orders_symbol on orders (symbol);
            insert into orders (symbol, qty) values ('AAPL', 10), ('MSFT', 5);
            create table alembic_version (version_num varchar(32) primary key);
            insert into alembic_version values ('0001');
            """)
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_orders.py").write_text(MIGRATION.format(rev="0001", down="None"))
    return tmp_path


def test_a_query_returning_the_expected_scalar_passes(db: Path) -> None:
    result = passes("sql", {"url": URL, "equals": 1, "query": "select count(*) from "
                            "sqlite_master where name = 'ix_orders_symbol'"}, root=db)
    shows(result, database=URL, rows="1", result="1")


def test_rows_and_bounds_say_what_they_got(db: Path) -> None:
    fails("sql", {"url": URL, "query": "select sum(qty) from orders", "min": 20},
          "expected at least 20, the query returned 15", root=db)
    fails("sql", {"url": URL, "query": "select symbol from orders order by symbol",
                  "rows": [["AAPL"], ["TSLA"]]},
          "expected rows [['AAPL'], ['TSLA']], got [['AAPL'], ['MSFT']]", root=db)


def test_a_broken_query_fails_with_the_databases_words(db: Path) -> None:
    fails("sql", {"url": URL, "query": "select * from nope"},
          "sqlite:///app.db: no such table: nope", root=db)


def test_no_pending_migrations_passes_and_a_new_script_fails(db: Path) -> None:
    passes("sql", {"url": URL, "migrations": "migrations"}, root=db)
    (db / "migrations" / "versions" / "0002_index.py").write_text(
        MIGRATION.format(rev="0002", down='"0001"'))
    fails("sql", {"url": URL, "migrations": "migrations"},
          "expected no pending migrations; the database is at 0001, the scripts' head is 0002",
          root=db)


def test_postgresql_answers_a_query(postgres: str) -> None:
    passes("sql", {"url": postgres, "query": "select 40 + 2", "equals": 42})


def test_postgresql_down_fails_within_the_timeout() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postgres"
    fails("sql", {"url": url},
          "postgresql+psycopg://postgres@127.0.0.1:*/postgres: *onnection refused*", timeout=3)


def test_a_password_read_from_the_environment_is_masked_in_the_result(postgres: str) -> None:
    url = postgres.replace("postgres@", "postgres:${env:DB_PASSWORD}@")
    result = fails("sql", {"url": url, "query": "select * from nope"},
                   '*: relation "nope" does not exist*', environ={"DB_PASSWORD": "canary-s3cr3t"})
    assert "canary-s3cr3t" not in f"{result.message} {result.evidence}"


def test_the_driver_and_alembic_are_imported_before_the_clock_starts() -> None:
    from pytest_deploycheck.checks.sql import Sql
    from pytest_deploycheck.registry import REGISTRY

    sql = REGISTRY.get("sql")
    assert sql is not None
    assert sql.modules(Sql("postgresql+psycopg://db/app", migrations="m")) == (
        "sqlalchemy", "sqlalchemy.dialects.postgresql", "psycopg", "alembic.config",
        "alembic.runtime.migration", "alembic.script")
    assert sql.modules(Sql("sqlite:///app.db"))[-1] == "sqlite3"
    assert sql.modules(Sql("postgresql://db/app"))[-1] == "psycopg2"


def test_a_query_without_expectations_must_return_a_row(db: Path) -> None:
    fails("sql", {"url": URL, "query": "select * from orders where qty > 100"},
          "expected the query to return a row, it returned none (rows: [] expects none)",
          root=db)
    passes("sql", {"url": URL, "query": "select * from orders where qty > 100", "rows": []},
           root=db)


def test_a_missing_sqlite_file_fails_instead_of_being_created(tmp_path: Path) -> None:
    fails("sql", {"url": "sqlite:///nope.db", "query": "select 1", "equals": 1},
          "sqlite:///nope.db: no database file at nope.db", root=tmp_path)
    assert not (tmp_path / "nope.db").exists()
