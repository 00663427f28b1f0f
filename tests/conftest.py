"""Fixtures: a fresh, migrated database per test, on SQLite or PostgreSQL.

The suite runs once per database: ``INBOX_TEST_DATABASE_URL`` selects
PostgreSQL (a throwaway database is created beside the one named); unset, each
test gets its own SQLite file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from inbox.store.db import make_engine, migrate

PG_URL = os.environ.get("INBOX_TEST_DATABASE_URL", "")


def pytest_report_header() -> str:
    return f"database: {'postgresql' if PG_URL else 'sqlite'}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Fail rather than skip: a PostgreSQL-only test must never pass silently on SQLite.
    if item.get_closest_marker("postgresql_only") and not PG_URL:
        pytest.fail("needs INBOX_TEST_DATABASE_URL (run it in the PostgreSQL pass)")


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    url = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"inbox_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    test_url = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(test_url)
    migrate(engine)
    engine.dispose()
    yield test_url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        url: str = request.getfixturevalue("_pg_database")
        engine = make_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield url
        return
    path = tmp_path / "inbox.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    yield f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings read the environment: keep the developer's own out of the tests."""
    for key in list(os.environ):
        if key.startswith("INBOX_") and key != "INBOX_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    # No background jobs in tests unless a test starts them itself.
    monkeypatch.setenv("INBOX_SCHEDULER", "off")
    monkeypatch.chdir(tmp_path)
