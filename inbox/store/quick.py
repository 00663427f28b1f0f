"""Reads for the commands that must answer at once (``inbox pages list``).

Through the database driver alone (sqlite3, or psycopg for PostgreSQL): no
SQLAlchemy and no models, which take most of a second to import. Only reads, and
only from a database already at the newest migration (``Stale`` otherwise, and
the caller takes the ordinary path through ``db``, which migrates).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///inbox.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Stale(Exception):
    """The database is not at the newest migration (or has no schema yet)."""


@dataclass(frozen=True)
class PageRow:
    key: str
    name: str
    channel: str
    calendar: str
    target_hours: float
    receives: str = "all"
    # The page's connection (connected, reconnect, permission) or None.
    connection: str | None = None
    has_webhook: bool = False


def newest_revision() -> str:
    """The newest migration's id: the files are numbered, each named by its revision."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("0*.py"))


def database_url() -> str:
    """``INBOX_DATABASE_URL`` as ``inbox.settings.Settings`` reads it."""
    return os.environ.get("INBOX_DATABASE_URL", DEFAULT_DATABASE_URL)


@contextmanager
def _connect(url: str) -> Iterator[Any]:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///").split("?", 1)[0]
        if not Path(path).is_file():
            raise Stale(path)
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            yield conn
        return
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        import psycopg

        dsn = "postgresql://" + url.split("://", 1)[1]
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            yield conn
        return
    raise Stale(url)  # any other form: the ordinary path knows it


def _errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return tuple(errors)
    return (*errors, psycopg.Error)


def pages(url: str | None = None) -> list[PageRow]:
    """Every page, by key; ``Stale`` unless the schema is the newest one."""
    try:
        with _connect(url or database_url()) as conn:
            cur = conn.cursor()
            cur.execute("SELECT version_num FROM alembic_version")
            if [row[0] for row in cur.fetchall()] != [newest_revision()]:
                raise Stale("older schema")
            cur.execute(
                "SELECT p.key, p.name, p.channel, p.calendar, p.target_hours, p.receives,"
                " c.state, p.reply_webhook IS NOT NULL"
                " FROM page p LEFT JOIN page_connection c ON c.platform_id = p.platform_id"
                " ORDER BY p.key"
            )
            return [
                PageRow(
                    key=r[0],
                    name=r[1],
                    channel=r[2],
                    calendar=r[3],
                    target_hours=r[4],
                    receives=r[5],
                    connection=r[6],
                    has_webhook=bool(r[7]),
                )
                for r in cur.fetchall()
            ]
    except _errors() as exc:
        raise Stale(str(exc)) from None
