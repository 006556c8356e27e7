"""``sql``: the database answers, queries return what they should, and no migration
is pending (needs ``pip install 'pytest-deploycheck[sql]'``).

.. code-block:: yaml

    check:
      sql:
        url: "postgresql+psycopg://app:${env:DB_PASSWORD}@db:5432/app"  # required
        query: "select count(*) from pg_indexes where indexname = 'ix_orders_symbol'"
        equals: 1                 # optional: the first column of the first row …
        min: 1                    # … or bounds on it
        max: 100
        rows: [[1, "ok"]]         # … or every row, exactly
        migrations: migrations    # optional: Alembic script directory; fails if the
                                  # database is not at the scripts' head revision(s)

Without ``query`` and ``migrations`` the check only connects (``select 1``); a query
without ``equals``, ``min``, ``max`` or ``rows`` must return a row (``rows: []`` expects
none). Any SQLAlchemy URL works; SQLite needs no server (a relative file starts at the
project root, and must exist: connecting would create an empty database). Evidence:
``result``, ``rows``, ``revision``, ``heads``; the password in the URL is never shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic_core import PydanticCustomError

from ..context import CheckContext
from ..errors import CheckFailed
from ..registry import check_type
from ..units import format_duration

INSTALL = "pip install 'pytest-deploycheck[sql]'"


@dataclass(frozen=True)
class Sql:
    url: str
    query: str | None = None
    equals: Any = None
    min: float | None = None
    max: float | None = None
    rows: list[list[Any]] | None = None
    migrations: str | None = None

    def __post_init__(self) -> None:
        expects = self.equals is not None or self.min is not None or self.max is not None \
            or self.rows is not None
        if expects and self.query is None:
            raise PydanticCustomError("deploycheck_invalid",
                                      "equals, min, max and rows need a query")
        if self.equals is not None and self.rows is not None:
            raise PydanticCustomError("deploycheck_invalid", "give equals or rows, not both")


# the DB-API module of a URL's driver (postgresql+psycopg → psycopg), or of its dialect's
# default driver (postgresql:// → psycopg2)
_DEFAULT_DRIVERS = {"postgresql": "psycopg2", "sqlite": "sqlite3", "mysql": "MySQLdb",
                    "mariadb": "MySQLdb", "mssql": "pyodbc", "oracle": "oracledb"}
_DRIVER_MODULES = {"pysqlite": "sqlite3", "mysqldb": "MySQLdb"}


def _imports(spec: Sql) -> tuple[str, ...]:
    """What a check with ``spec`` imports: SQLAlchemy, the dialect and its driver, Alembic."""
    dialect, _, driver = spec.url.split(":", 1)[0].lower().partition("+")
    names = ["sqlalchemy", f"sqlalchemy.dialects.{dialect}"]
    module = _DRIVER_MODULES.get(driver, driver) or _DEFAULT_DRIVERS.get(dialect)
    if module:
        names.append(module)
    if spec.migrations is not None:
        names += ["alembic.config", "alembic.runtime.migration", "alembic.script"]
    return tuple(names)


@check_type("sql", read_only=True, imports=_imports)
def run(spec: Sql, ctx: CheckContext) -> None:
    """A database answers a query as expected; no Alembic migration is pending."""
    try:
        import sqlalchemy
    except ImportError:
        raise CheckFailed(f"the sql check needs SQLAlchemy: {INSTALL}") from None
    try:
        url = sqlalchemy.make_url(spec.url)
    except sqlalchemy.exc.ArgumentError as exc:
        raise CheckFailed(f"not a database URL: {exc}") from None
    shown = url.render_as_string(hide_password=True)
    ctx.record(database=shown)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = ctx.path(url.database)  # like every path: from the root
        if not path.is_file():  # SQLite would create it, empty, and "select 1" would pass
            raise CheckFailed(f"{shown}: no database file at {url.database}")
        url = url.set(database=str(path))
    args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":  # one attempt, within what is left
        args = {"connect_timeout": max(1, int(ctx.remaining()))}
    elif url.get_backend_name() == "sqlite":
        args = {"timeout": ctx.remaining()}
    engine = sqlalchemy.create_engine(url, connect_args=args, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":
                ms = int(ctx.remaining() * 1000)
                conn.exec_driver_sql(f"set statement_timeout = {ms}")
            if spec.query is not None:
                _query(spec, conn.execute(sqlalchemy.text(spec.query)).all(), ctx)
            else:
                conn.execute(sqlalchemy.text("select 1"))
            if spec.migrations is not None:
                _migrations(spec, conn, ctx)
    except ModuleNotFoundError as exc:
        raise CheckFailed(f"the database driver {exc.name!r} is missing: {INSTALL}") from None
    except sqlalchemy.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if "timeout expired" in reason:  # libpq's words for a server that never answered
            reason = f"PostgreSQL did not answer within {format_duration(ctx.timeout)}"
        raise CheckFailed(f"{shown}: {reason}") from None
    except sqlalchemy.exc.SQLAlchemyError as exc:
        raise CheckFailed(f"{shown}: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()


def _query(spec: Sql, rows: Sequence[Any], ctx: CheckContext) -> None:
    table = [list(r) for r in rows]
    ctx.record(rows=len(table))
    if spec.rows is not None:
        if table != spec.rows:
            raise CheckFailed(f"expected rows {spec.rows!r}, got {table[:5]!r}")
        return
    if not table or not table[0]:
        if spec.equals is None and spec.min is None and spec.max is None:
            raise CheckFailed("expected the query to return a row, it returned none (rows: [] "
                              "expects none)")
        raise CheckFailed("expected a value, the query returned no rows")
    value = table[0][0]
    ctx.record(result=str(value))
    if spec.equals is not None and value != spec.equals:
        raise CheckFailed(f"expected {spec.equals!r}, the query returned {value!r}")
    checks: tuple[tuple[float | None, Callable[[float, float], bool]], ...] = (
        (spec.min, lambda v, b: v >= b), (spec.max, lambda v, b: v <= b))
    for bound, ok in checks:
        if bound is None:
            continue
        if not isinstance(value, int | float | Decimal) or math.isnan(value):
            raise CheckFailed(f"expected a number to compare with {bound:g}, got {value!r}")
        if not ok(float(value), bound):
            side = "at least" if bound is spec.min else "at most"
            raise CheckFailed(f"expected {side} {bound:g}, the query returned {value!r}")


def _migrations(spec: Sql, conn: Any, ctx: CheckContext) -> None:
    try:
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
    except ImportError:
        raise CheckFailed(f"the migrations check needs Alembic: {INSTALL}") from None
    assert spec.migrations is not None
    config = Config()
    config.set_main_option("script_location", str(ctx.path(spec.migrations)))
    try:
        heads = set(ScriptDirectory.from_config(config).get_heads())
    except Exception as exc:  # alembic raises its own CommandError and others
        raise CheckFailed(f"cannot read the migrations in {spec.migrations}: {exc}") from None
    current = set(MigrationContext.configure(conn).get_current_heads())
    ctx.record(revision=", ".join(sorted(current)) or "none", heads=", ".join(sorted(heads)))
    if current != heads:
        pending = ", ".join(sorted(heads - current)) or "?"
        raise CheckFailed(f"expected no pending migrations; the database is at "
                          f"{', '.join(sorted(current)) or 'no revision'}, the scripts' head is "
                          f"{pending}")
