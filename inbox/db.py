"""Engine, sessions and migrations."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from inbox.models import UTCDateTime, to_epoch_us

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web server read while an import or the scheduler writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # The default 2 MB page cache thrashes on index inserts and window scans at a
    # million items; 64 MB keeps the report's covering index in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_ignoring_duplicates(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert many rows; rows hitting a unique key are skipped. Returns the new ids.

    Goes to the driver directly: the ORM's per-value bind processing costs more
    than the database's own work at import volumes.
    """
    if not rows:
        return []
    json_positions = [
        i for i, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)
    ]
    if json_positions:
        # JSON goes to the driver as text, exactly as SQLAlchemy's JSON type would write it.
        rows = [_dump_json(row, json_positions) for row in rows]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            return _copy_then_insert(cursor, table, columns, rows)
        return _sqlite_multirow_insert(cursor, table, columns, rows)
    finally:
        cursor.close()


def _dump_json(row: Sequence[Any], positions: list[int]) -> list[Any]:
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = json.dumps(values[i], ensure_ascii=False)
    return values


def _sqlite_multirow_insert(
    cursor: Any, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    # SQLite allows 32,766 parameters a statement.
    per_statement = max(1, 32000 // len(columns))
    row_marks = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    times = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime)]
    ids: list[int] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params: list[Any] = []
        for row in chunk:
            values = list(row)
            for i in times:
                if values[i] is not None:
                    values[i] = to_epoch_us(values[i])
            params.extend(values)
        sql = head + ", ".join([row_marks] * len(chunk)) + " ON CONFLICT DO NOTHING RETURNING id"
        cursor.execute(sql, params)
        ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _copy_then_insert(
    cursor: Any, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    # COPY into a scratch table is several times faster than parameterised inserts;
    # the final INSERT ... SELECT keeps the skip-on-conflict semantics.
    names = ", ".join(columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS _ingest_{table.name} AS "
        f"SELECT {names} FROM {table.name} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE _ingest_{table.name}")
    with cursor.copy(f"COPY _ingest_{table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM _ingest_{table.name} "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    return [r[0] for r in cursor.fetchall()]


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load: fresh planner statistics, and on PostgreSQL a vacuum so the
    report's index-only scans need not visit the table (what autovacuum would do,
    only now rather than minutes later)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE item")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
