"""Alembic environment of the demo database: the URL comes from the Alembic config."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

url = context.config.get_main_option("sqlalchemy.url")
assert url, "set sqlalchemy.url"
engine = sa.create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
