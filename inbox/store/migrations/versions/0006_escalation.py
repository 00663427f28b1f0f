"""escalations: stored SLA state, escalation, outbox and scheduler lease

Revision ID: 0006
Revises: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import inbox.store.models
from inbox.core.sla import at_risk_from, sla_state

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 5000


def _backfill() -> None:
    # The at-risk instant and the state at migration time, computed by the same
    # functions the application uses, so no item changes state twice.
    now = datetime.now(UTC)
    ts = inbox.store.models.UTCDateTime(timezone=True)
    item = sa.table(
        "item",
        sa.column("id", sa.Integer()),
        sa.column("received_at", ts),
        sa.column("due_at", ts),
        sa.column("first_response_at", ts),
        sa.column("at_risk_at", ts),
        sa.column("sla_state", sa.String()),
        sa.column("status", sa.String()),
        sa.column("urgency", sa.String()),
    )
    conn = op.get_bind()
    update = (
        sa.update(item)
        .where(item.c.id == sa.bindparam("b_id"))
        .values(
            at_risk_at=sa.bindparam("b_at_risk", type_=ts),
            sla_state=sa.bindparam("b_state"),
            urgency=sa.bindparam("b_urgency"),
        )
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                item.c.id, item.c.received_at, item.c.due_at, item.c.first_response_at, item.c.status
            )
            .where(item.c.id > last)
            .order_by(item.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        params = [
            {
                "b_id": r.id,
                "b_at_risk": at_risk_from(r.received_at, r.due_at),
                "b_state": sla_state(
                    received_at=r.received_at,
                    due_at=r.due_at,
                    first_response_at=r.first_response_at,
                    now=now,
                ).value,
                # Items already there are not assessed again for the urgent policy.
                "b_urgency": "none",
            }
            for r in rows
        ]
        conn.execute(update, params)
        last = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sla_state", sa.String(length=16), nullable=False, server_default="ok")
        )
        batch_op.add_column(
            sa.Column("at_risk_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("urgency", sa.String(length=16), nullable=True))
    _backfill()
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.alter_column(
            "at_risk_at", existing_type=inbox.store.models.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("sla_state", existing_type=sa.String(length=16), server_default=None)
        batch_op.create_index("ix_item_sweep", ["status", "sla_state", "at_risk_at"], unique=False)
        batch_op.create_index("ix_item_urgency", ["urgency"], unique=False)

    op.create_index("ix_event_kind_at", "event", ["kind", "at"], unique=False)
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("forwarded_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "level", name="uq_escalation_item_level"),
    )
    op.create_index("ix_escalation_item_id", "escalation", ["item_id"], unique=False)
    op.create_index("ix_escalation_created_at", "escalation", ["created_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", inbox.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_outbox_item_id", "outbox", ["item_id"], unique=False)

    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", inbox.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_lease")
    op.drop_index("ix_outbox_item_id", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_escalation_created_at", table_name="escalation")
    op.drop_index("ix_escalation_item_id", table_name="escalation")
    op.drop_table("escalation")
    op.drop_index("ix_event_kind_at", table_name="event")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index("ix_item_urgency")
        batch_op.drop_index("ix_item_sweep")
        batch_op.drop_column("urgency")
        batch_op.drop_column("at_risk_at")
        batch_op.drop_column("sla_state")
