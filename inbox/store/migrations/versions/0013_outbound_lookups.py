"""outbound: lookups on the platform for a send whose answer was lost

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TS = inbox.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbound") as batch:
        batch.add_column(sa.Column("lookups", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("looked_up_at", _TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound") as batch:
        batch.drop_column("looked_up_at")
        batch.drop_column("lookups")
