"""privacy: the hand-over to case registration, and the audit trail by person

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TS = inbox.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "registration",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), primary_key=True),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("sent_at", _TS, nullable=False),
        sa.Column("sent_by", sa.String(255), nullable=False),
        sa.Column("sent_by_name", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("reference_at", _TS, nullable=True),
        sa.Column("reference_by", sa.String(255), nullable=True),
    )
    # The audit page and `inbox audit export --actor`: one person's events in time order.
    op.create_index("ix_event_actor_at", "event", ["actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_actor_at", table_name="event")
    op.drop_table("registration")
