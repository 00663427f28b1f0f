"""Migrations and models agree, and every migration can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from inbox.store.db import alembic_config, migrate


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    cfg = alembic_config(engine)
    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is None
    migrate(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []


def test_statistics_are_refreshed_after_a_bulk_load(engine: Engine) -> None:
    import sqlalchemy as sa

    from inbox.store.db import refresh_statistics

    refresh_statistics(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            vacuumed = conn.execute(
                sa.text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'item'")
            ).scalar_one()
            assert vacuumed is not None
        else:
            tables = conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).all()
            assert tables
