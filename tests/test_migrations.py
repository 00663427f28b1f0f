"""Migrations and models agree, and every migration can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from inbox.db import alembic_config, migrate


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
