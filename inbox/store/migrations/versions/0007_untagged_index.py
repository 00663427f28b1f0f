"""an index of items still waiting for tagging

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_item_untagged",
        "item",
        ["id"],
        unique=False,
        sqlite_where=sa.text("classification IS NULL"),
        postgresql_where=sa.text("classification IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_item_untagged", table_name="item")
