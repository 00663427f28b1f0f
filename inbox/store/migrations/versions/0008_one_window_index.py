"""one covering index for the report and the dashboard

Revision ID: 0008
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

_REPORT = [
    "page_id",
    "received_at",
    "first_response_at",
    "due_at",
    "resolution",
    "response_minutes",
    "response_office_minutes",
]
_GROUPS = ["department", "first_responder", "topic", "sentiment"]
_WINDOW = [
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
]


def upgrade() -> None:
    # Every index costs each insert; the report's index, extended with the
    # dashboard's grouping columns, serves both reads.
    op.drop_index("ix_item_window", table_name="item")
    op.drop_index("ix_item_report", table_name="item")
    op.create_index("ix_item_report", "item", _REPORT + _GROUPS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_item_report", table_name="item")
    op.create_index("ix_item_report", "item", _REPORT, unique=False)
    op.create_index("ix_item_window", "item", _WINDOW, unique=False)
