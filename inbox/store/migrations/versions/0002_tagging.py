"""tagging and routing: classification columns and corrections

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("flags", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("tags", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("needs_reply", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("routing_rule", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("classification", sa.JSON(), nullable=True))
    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old_value", sa.String(length=64), nullable=True),
        sa.Column("new_value", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_correction_item_id", "correction", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_correction_item_id", table_name="correction")
    op.drop_table("correction")
    with op.batch_alter_table("item", schema=None) as batch_op:
        for name in ("classification", "routing_rule", "needs_reply", "tags", "flags", "language"):
            batch_op.drop_column(name)
