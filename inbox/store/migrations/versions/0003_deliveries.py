"""webhook deliveries, processed event keys, platform responses, pending events

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0003"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = inbox.store.models.UTCDateTime(timezone=True)
    op.create_index(
        "ix_item_dialogue",
        "item",
        ["page_id", "received_at", "post_id", "kind"],
        unique=False,
        sqlite_where=sa.text("post_id IS NOT NULL"),
        postgresql_where=sa.text("post_id IS NOT NULL"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("received_at", ts, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("signature_ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", ts, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delivery_status_id", "delivery", ["status", "id"], unique=False)
    op.create_table(
        "processed_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=512), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("processed_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key"),
    )
    op.create_table(
        "platform_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("post_id", sa.String(length=128), nullable=True),
        sa.Column("parent_id", sa.String(length=255), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", ts, nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_id", "external_id", name="uq_platform_response_page_external"),
    )
    for col in ("post_id", "parent_id", "conversation_id"):
        op.create_index(f"ix_platform_response_{col}", "platform_response", [col], unique=False)
    op.create_table(
        "pending_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", ts, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_event_external_id", "pending_event", ["external_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_pending_event_external_id", table_name="pending_event")
    op.drop_table("pending_event")
    for col in ("post_id", "parent_id", "conversation_id"):
        op.drop_index(f"ix_platform_response_{col}", table_name="platform_response")
    op.drop_table("platform_response")
    op.drop_table("processed_event")
    op.drop_index("ix_delivery_status_id", table_name="delivery")
    op.drop_table("delivery")
    op.drop_index("ix_item_dialogue", table_name="item")
