"""lighter item indexes: thread look-ups skip items outside threads, urgency covers open items

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each index costs every insert. The department is always looked up together
    # with the open state (ix_item_open_department) or within a report window.
    op.drop_index("ix_item_department", table_name="item")
    for name, column, where in (
        ("ix_item_urgency", "urgency", "status = 'open'"),
        ("ix_item_post_id", "post_id", "post_id IS NOT NULL"),
        ("ix_item_conversation_id", "conversation_id", "conversation_id IS NOT NULL"),
    ):
        op.drop_index(name, table_name="item")
        op.create_index(
            name,
            "item",
            [column],
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    for name, column in (
        ("ix_item_urgency", "urgency"),
        ("ix_item_post_id", "post_id"),
        ("ix_item_conversation_id", "conversation_id"),
    ):
        op.drop_index(name, table_name="item")
        op.create_index(name, "item", [column], unique=False)
    op.create_index("ix_item_department", "item", ["department"], unique=False)
