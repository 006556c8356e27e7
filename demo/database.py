"""The demo database: SQLite, its schema made by the Alembic migrations in
``demo/migrations``, filled with the reference market data and the risk limits."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .trading.core.market import SYMBOLS, bars

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
RISK_LIMITS = {"daily_loss_usd": (50_000.0, "USD"), "max_position_usd": (1_000_000.0, "USD"),
               "max_order_usd": (250_000.0, "USD"), "max_leverage": (4.0, "x")}


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def create(path: Path) -> None:
    """Migrate a new database at ``path`` to the head revision and fill it."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url(path))
    command.upgrade(config, "head")
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    with sqlite3.connect(path) as db:
        db.executemany("insert into instruments values (?, 'XNYS')", [(s,) for s in SYMBOLS])
        db.executemany("insert into bars values (?, ?, ?, ?, ?, ?, ?)", [
            (s, b.day.isoformat(), b.open, b.high, b.low, b.close, b.volume)
            for s in SYMBOLS for b in bars(s)])
        db.executemany("insert into risk_limits values (?, ?, ?)",
                       [(name, value, unit) for name, (value, unit) in RISK_LIMITS.items()])
        for n, symbol in enumerate(["AAPL", "MSFT", "SPY"] * 4, start=1):
            at = (now - timedelta(minutes=5 * n)).isoformat(sep=" ")
            db.execute("insert into orders values (?, ?, 'buy', 'limit', 100, 'filled', ?)",
                       (n, symbol, at))
            db.execute("insert into trades values (?, ?, ?, 100, 100.0, ?)", (n, n, symbol, at))
    sqlite3.connect(path).close()


def backup(path: Path, target: Path) -> Path:
    """A consistent copy of the database at ``path``, gzipped to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    snapshot = target.with_suffix("")
    with sqlite3.connect(path) as source, sqlite3.connect(snapshot) as copy:
        source.backup(copy)
    with snapshot.open("rb") as raw, gzip.open(target, "wb") as packed:
        shutil.copyfileobj(raw, packed)
    snapshot.unlink()
    return target


def restore(backup_file: Path, path: Path) -> None:
    """Replace the database at ``path`` with the gzipped copy ``backup_file``."""
    staged = path.with_suffix(".restoring")
    with gzip.open(backup_file, "rb") as packed, staged.open("wb") as raw:
        shutil.copyfileobj(packed, raw)
    staged.replace(path)


def integrity(path: Path) -> str:
    """SQLite's own verdict on the file: ``ok`` or what is broken."""
    with sqlite3.connect(path) as db:
        return str(db.execute("pragma integrity_check").fetchone()[0])
