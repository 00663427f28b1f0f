"""indexes of open items only

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_item_open_due": ["status", "due_at"],
    "ix_item_sweep": ["status", "sla_state", "at_risk_at"],
    "ix_item_open_facets": [
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
    "ix_item_open_department": ["status", "department", "due_at"],
}


def upgrade() -> None:
    # Closed items (most of a backfill) need not be in the queue's and the sweep's
    # indexes; every index an insert skips makes imports faster.
    where = sa.text("status = 'open'")
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="item")
        op.create_index(
            name, "item", columns, unique=False, sqlite_where=where, postgresql_where=where
        )


def downgrade() -> None:
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="item")
        op.create_index(name, "item", columns, unique=False)
