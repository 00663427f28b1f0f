"""outbound: replies and moderation sent to the platforms, page connections

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = inbox.store.models.UTCDateTime(timezone=True)
# SQLite names the old unnamed unique constraint through this convention.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique() -> str:
    return "page_platform_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_page_platform_id"


def upgrade() -> None:
    op.create_table(
        "page_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("platform_name", sa.String(length=200), nullable=False),
        sa.Column("token_cipher", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("connected_by", sa.String(length=255), nullable=False),
        sa.Column("connected_at", _TS, nullable=False),
        sa.Column("checked_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id"),
    )
    with op.batch_alter_table("page", naming_convention=_NAMES) as batch:
        batch.add_column(
            sa.Column("receives", sa.String(length=8), nullable=False, server_default="all")
        )
        batch.add_column(
            sa.Column("human_agent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reply_webhook", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("reply_secret_cipher", sa.Text(), nullable=True))
        batch.drop_constraint(_old_unique(), type_="unique")
        batch.create_unique_constraint("uq_page_platform_receives", ["platform_id", "receives"])
    op.create_table(
        "outbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("tag", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("platform_id", sa.String(length=255), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("advice", sa.Text(), nullable=True),
        sa.Column("settled_by", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_outbound_due", "outbound", ["state", "next_attempt_at"])
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(length=64), nullable=False, server_default="read items")
        )
    op.create_index("ix_outbound_item_id", "outbound", ["item_id"])
    op.create_index("ix_outbound_platform_id", "outbound", ["platform_id"])


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("scopes")
    op.drop_index("ix_outbound_platform_id", table_name="outbound")
    op.drop_index("ix_outbound_item_id", table_name="outbound")
    op.drop_index("ix_outbound_due", table_name="outbound")
    op.drop_table("outbound")
    with op.batch_alter_table("page", naming_convention=_NAMES) as batch:
        batch.drop_constraint("uq_page_platform_receives", type_="unique")
        batch.create_unique_constraint(_old_unique(), ["platform_id"])
        batch.drop_column("reply_secret_cipher")
        batch.drop_column("reply_webhook")
        batch.drop_column("human_agent")
        batch.drop_column("receives")
    op.drop_table("page_connection")
