"""Engine, sessions and migrations."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

from inbox.store.models import UTCDateTime, to_epoch_us
from inbox.store.quick import MIGRATIONS_DIR, newest_revision

WAL_CHECKPOINT_PAGES = 10_000
# While a bulk import writes: copying its pages into the database file is much of
# the cost of an insert, and the longer the log, the fewer times each page is copied.
BULK_WAL_CHECKPOINT_PAGES = 40_000


@contextmanager
def bulk_writes(engine: Engine) -> Iterator[None]:
    """Checkpoint SQLite's log less often while a bulk load runs on this engine."""
    if engine.dialect.name != "sqlite":
        yield
        return
    engine.pool.dispose()  # connections made from here on take the bulk setting
    listener = _checkpoint_every(BULK_WAL_CHECKPOINT_PAGES)
    sa.event.listen(engine, "connect", listener)
    try:
        yield
    finally:
        sa.event.remove(engine, "connect", listener)
        engine.pool.dispose()


def _checkpoint_every(pages: int) -> Any:
    def listener(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={pages}")

    return listener


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
    # Checkpoints every 40 MB of log rather than every 4 MB: the same index pages
    # are copied into the database file less often.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # A database that does not answer is an error within seconds, not a hang.
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def ping(engine: Engine) -> None:
    """Raises unless the database answers a trivial query."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def _at_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    except sa.exc.DBAPIError:
        return None  # no schema yet
    return found[0][0] if len(found) == 1 else None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent).

    A database already at the newest one is only read (one query), so commands
    start without loading alembic.
    """
    if _at_revision(engine) == newest_revision():
        return
    from alembic import command

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
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> list[int]:
    """Insert many rows; rows hitting a unique key are skipped. Returns the new ids.

    Goes to the driver directly: the ORM's per-value bind processing costs more
    than the database's own work at import volumes.
    """
    if not rows:
        return []
    rows = driver_rows(conn.dialect.name, table, columns, rows)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            return _copy_then_insert(cursor, table, columns, rows)
        return _sqlite_multirow_insert(cursor, table, columns, rows, returning=True)[0]
    finally:
        cursor.close()


def insert_new_rows(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: tuple[str, str],
) -> int:
    """Bulk insert of rows encoded by ``bulk_rows``, no two alike on ``unique``;
    rows already stored are skipped. Returns how many were inserted (no ids).

    On PostgreSQL a batch none of whose keys is stored yet is copied straight into
    the table, under a savepoint: should a concurrent writer store one of them
    meanwhile, the batch goes through a scratch table and skips what is there.
    """
    if not rows:
        return 0
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name != "postgresql":
            return _sqlite_multirow_insert(cursor, table, columns, rows, returning=False)[1]
        import psycopg.errors

        data = "".join([f"{row[0]}{row[1]}" for row in rows]).encode()
        names = ", ".join(columns)
        if not _any_stored(cursor, conn.dialect, table, rows, unique):
            cursor.execute("SAVEPOINT bulk_copy")
            try:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    copy.write(data)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT bulk_copy")
            else:
                cursor.execute("RELEASE SAVEPOINT bulk_copy")
                return len(rows)
        scratch = _scratch_table(cursor, table, columns)
        with cursor.copy(f"COPY {scratch} ({names}) FROM STDIN") as copy:
            copy.write(data)
        cursor.execute(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {scratch} "
            "ON CONFLICT DO NOTHING"
        )
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _any_stored(
    cursor: Any,
    dialect: sa.Dialect,
    table: sa.Table,
    rows: Sequence[Sequence[Any]],
    unique: tuple[str, str],
) -> bool:
    """Whether any of ``bulk_rows``' PostgreSQL rows is stored already."""
    a, b = (table.c[name].type.compile(dialect=dialect) for name in unique)
    cursor.execute(
        f"SELECT 1 FROM unnest(%s::{a}[], %s::{b}[]) AS k(a, b) "
        f"JOIN {table.name} t ON t.{unique[0]} = k.a AND t.{unique[1]} = k.b LIMIT 1",
        ([row[0] for row in rows], [row[2] for row in rows]),
    )
    return cursor.fetchone() is not None


def bulk_rows(
    dialect: str,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    unique: tuple[str, str],
) -> list[Any]:
    """Rows for ``insert_new_rows``, encoded for the driver without a connection (in
    another process, say). The first column, the first of the unique key, stays a
    value apart (``row[0]``), so it can be filled in afterwards: on SQLite a row is
    its parameters; on PostgreSQL ``[first, the rest of its COPY text line, the
    second of the unique key]``."""
    if columns[0] != unique[0]:
        raise ValueError("the first column must be the first of the unique key")
    if dialect != "postgresql":
        return driver_rows(dialect, table, columns, rows)
    second = columns.index(unique[1])
    json_at = {
        i - 1 for i, name in enumerate(columns) if i and isinstance(table.c[name].type, sa.JSON)
    }
    tails = _copy_tails([row[1:] for row in rows], json_at)
    return [[row[0], tail, row[second]] for row, tail in zip(rows, tails, strict=True)]


def _copy_tails(rows: Sequence[Sequence[Any]], json_at: set[int]) -> list[str]:
    """Each row as the rest of a line of COPY text (after a first column): formatted a
    column at a time, so a column holding one value throughout is formatted once."""
    n = len(rows)
    columns: list[Sequence[str]] = []
    for at, values in enumerate(zip(*rows, strict=True)):
        first = values[0]
        if at in json_at:
            columns.append(["\\N" if v is None else _copy_json(v) for v in values])
        elif values.count(first) == n:
            columns.append([_copy_text(first)] * n)
        else:
            columns.append([_copy_text(v) for v in values])
    return ["\t" + "\t".join(line) + "\n" for line in zip(*columns, strict=True)]


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    text = _COPY_TEXT.get(type(value))
    if text is None:  # a subclass (a str enum, say): format as its base type
        base = next((t for t in _COPY_TEXT if isinstance(value, t)), str)
        text = _COPY_TEXT.get(base, str)
    return text(value)


def _copy_escaped(text: str) -> str:
    # Each replace is a C scan that returns the text itself when the character is
    # absent; str.translate with a table looks up every character instead.
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# What json.dumps(value, ensure_ascii=False) gives (as SQLAlchemy's JSON type writes
# it), without building an encoder for every value.
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def _copy_json(value: Any) -> str:
    return _copy_escaped(_json_text(value))


# Values in PostgreSQL's COPY text format, by type (NULL is \N). Floats as their
# shortest text that reads back as the same float.
_COPY_TEXT: dict[type, Callable[[Any], str]] = {
    str: _copy_escaped,
    bool: lambda v: "t" if v else "f",
    int: str,
    float: repr,
    datetime: datetime.isoformat,
}


def _scratch_table(cursor: Any, table: sa.Table, columns: Sequence[str]) -> str:
    name = f"_ingest_{table.name}"
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {name} AS "
        f"SELECT {', '.join(columns)} FROM {table.name} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {name}")
    return name


def driver_rows(
    dialect: str, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[list[Any]]:
    """Rows as the driver takes them: JSON as text, exactly as SQLAlchemy's JSON type
    would write it, and on SQLite instants as epoch microseconds (``UTCDateTime``)."""
    json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)]
    times_at = []
    if dialect == "sqlite":
        times_at = [
            i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime)
        ]
    out = []
    for row in rows:
        values = list(row)
        for i in json_at:
            if values[i] is not None:
                values[i] = _json_text(values[i])
        for i in times_at:
            if values[i] is not None:
                values[i] = to_epoch_us(values[i])
        out.append(values)
    return out


def _sqlite_multirow_insert(
    cursor: Any,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool,
) -> tuple[list[int], int]:
    """The new ids (if ``returning``) and how many rows were new."""
    # SQLite allows 32,766 parameters a statement.
    per_statement = max(1, 32000 // len(columns))
    row_marks = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    tail = " ON CONFLICT DO NOTHING" + (" RETURNING id" if returning else "")
    ids: list[int] = []
    count = 0
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = head + ", ".join([row_marks] * len(chunk)) + tail
        cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
        if returning:
            ids.extend(r[0] for r in cursor.fetchall())
        else:
            count += cursor.rowcount
    return ids, len(ids) if returning else count


def _copy_then_insert(
    cursor: Any, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    # COPY into a scratch table is several times faster than parameterised inserts;
    # the final INSERT ... SELECT keeps the skip-on-conflict semantics.
    names = ", ".join(columns)
    scratch = _scratch_table(cursor, table, columns)
    with cursor.copy(f"COPY {scratch} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {scratch} "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    return [r[0] for r in cursor.fetchall()]


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load: fresh planner statistics, and on PostgreSQL a vacuum so the
    report's index-only scans need not visit the table (what autovacuum would do,
    only now rather than minutes later). On SQLite the write-ahead log goes into
    the database file, so reads need not look through it."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE item")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
