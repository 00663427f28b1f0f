"""email sources, mailbox progress and API tokens

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_source",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("raw_html", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_table(
        "mailbox_state",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"]),
        sa.PrimaryKeyConstraint("page_id"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_token_name", "api_token", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_token_name", table_name="api_token")
    op.drop_table("api_token")
    op.drop_table("mailbox_state")
    op.drop_table("item_source")
