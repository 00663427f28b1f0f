"""users, sign-in throttling, notes, presence, first responder

Revision ID: 0005
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_responder", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_item_open_facets",
        "item",
        [
            "status",
            "page_id",
            "department",
            "topic",
            "sentiment",
            "due_at",
            "received_at",
            "first_response_at",
            "assignee",
        ],
        unique=False,
    )
    op.create_index(
        "ix_item_open_department", "item", ["status", "department", "due_at"], unique=False
    )
    op.create_index(
        "ix_item_window",
        "item",
        [
            "received_at",
            "department",
            "first_responder",
            "topic",
            "sentiment",
            "first_response_at",
            "due_at",
            "resolution",
            "response_minutes",
            "response_office_minutes",
        ],
        unique=False,
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("duty", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "loginfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_loginfailure_key", "loginfailure", ["key"], unique=False)
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_note_item_id", "note", ["item_id"], unique=False)
    op.create_table(
        "itemview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_email", sa.String(length=255), nullable=False),
        sa.Column("seen_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_email", name="uq_item_view"),
    )
    op.create_index("ix_itemview_item_id", "itemview", ["item_id"], unique=False)
    op.create_table(
        "appflag",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("appflag")
    op.drop_index("ix_itemview_item_id", table_name="itemview")
    op.drop_table("itemview")
    op.drop_index("ix_note_item_id", table_name="note")
    op.drop_table("note")
    op.drop_index("ix_loginfailure_key", table_name="loginfailure")
    op.drop_table("loginfailure")
    op.drop_table("user")
    op.drop_index("ix_item_window", table_name="item")
    op.drop_index("ix_item_open_department", table_name="item")
    op.drop_index("ix_item_open_facets", table_name="item")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_column("first_responder")
