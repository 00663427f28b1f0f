"""retention: erased items, legal holds, the person index, deliveries by platform id

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = inbox.store.models.UTCDateTime(timezone=True)
_NOT_ERASED = sa.text("closed_at IS NOT NULL AND erased_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("erased_at", _TS, nullable=True))
        batch.add_column(sa.Column("erased_by", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_item_retention",
        "item",
        ["page_id", "closed_at"],
        sqlite_where=_NOT_ERASED,
        postgresql_where=_NOT_ERASED,
    )
    with op.batch_alter_table("processed_event") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_processed_event_external_id", "processed_event", ["external_id"], unique=False
    )
    op.create_table(
        "legal_hold",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_table(
        "person_token",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "token"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_person_token_token", "person_token", ["token"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_person_token_token", table_name="person_token")
    op.drop_table("person_token")
    op.drop_table("legal_hold")
    op.drop_index("ix_processed_event_external_id", table_name="processed_event")
    with op.batch_alter_table("processed_event") as batch:
        batch.drop_column("external_id")
    op.drop_index("ix_item_retention", table_name="item")
    with op.batch_alter_table("item") as batch:
        batch.drop_column("erased_by")
        batch.drop_column("erased_at")
