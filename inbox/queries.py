"""Named reads. Lists come back as plain rows, never as one ORM object per item."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inbox.models import Item, Page, Status
from inbox.sla import SlaState, sla_state

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]

EXPORT_COLUMNS = (
    "id",
    "external_id",
    "channel",
    "kind",
    "author",
    "received_at",
    "due_at",
    "first_response_at",
    "status",
    "resolution",
    "department",
    "topic",
    "sentiment",
    "priority",
    "post_id",
    "parent_id",
    "conversation_id",
    "text",
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_rows(conn: Connection, *, now: datetime) -> Iterator[dict[str, Any]]:
    """Every item with its page key and SLA state at ``now``, in order of receipt."""
    c = _item.c
    query = (
        sa.select(_page.c.key.label("page"), *(c[name] for name in EXPORT_COLUMNS))
        .join(_page, _page.c.id == c.page_id)
        .order_by(c.received_at, c.id)
        .execution_options(yield_per=2000)
    )
    for row in conn.execute(query).mappings():
        state = sla_state(
            received_at=row["received_at"],
            due_at=row["due_at"],
            first_response_at=row["first_response_at"],
            now=now,
        )
        out = {
            "page": row["page"],
            "external_id": row["external_id"],
            "received_at": _iso(row["received_at"]),
            "due_at": _iso(row["due_at"]),
            "first_response_at": _iso(row["first_response_at"]),
            "sla_state": state.value,
            "resolution": row["resolution"],
        }
        out.update({k: _iso(row[k]) for k in EXPORT_COLUMNS if k not in out})
        yield out


@dataclass(frozen=True)
class QueueRow:
    id: int
    page: str
    page_name: str
    channel: str
    author: str
    text: str
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    department: str | None
    assignee: str | None
    topic: str | None
    sentiment: str | None
    state: SlaState


def open_items(conn: Connection, *, now: datetime, limit: int = 50) -> list[QueueRow]:
    """Open items, the soonest due first."""
    c = _item.c
    rows = conn.execute(
        sa.select(
            c.id,
            _page.c.key,
            _page.c.name,
            c.channel,
            c.author,
            sa.func.substr(c.text, 1, 300),
            c.received_at,
            c.due_at,
            c.first_response_at,
            c.department,
            c.assignee,
            c.topic,
            c.sentiment,
        )
        .join(_page, _page.c.id == c.page_id)
        .where(c.status == Status.OPEN.value)
        .order_by(c.due_at, c.id)
        .limit(limit)
    ).all()
    return [
        QueueRow(
            id=row[0],
            page=row[1],
            page_name=row[2],
            channel=row[3],
            author=row[4],
            text=row[5],
            received_at=row[6],
            due_at=row[7],
            first_response_at=row[8],
            department=row[9],
            assignee=row[10],
            topic=row[11],
            sentiment=row[12],
            state=sla_state(received_at=row[6], due_at=row[7], first_response_at=row[8], now=now),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class OpenEscalation:
    id: int
    item_id: int
    page: str
    text: str
    reason: str
    level: str
    person: str
    person_name: str
    created_at: datetime
    item_status: str


def open_escalations(conn: Connection, *, limit: int = 100) -> list[OpenEscalation]:
    """Escalations nobody has acknowledged yet, the oldest first (the duty view)."""
    from inbox.models import Escalation

    e = Escalation.__table__.c  # type: ignore[attr-defined]
    c = _item.c
    rows = conn.execute(
        sa.select(
            e.id,
            e.item_id,
            _page.c.key.label("page"),
            sa.func.substr(c.text, 1, 300).label("text"),
            e.reason,
            e.level,
            e.person,
            e.person_name,
            e.created_at,
            c.status.label("item_status"),
        )
        .join(_item, c.id == e.item_id)
        .join(_page, _page.c.id == c.page_id)
        .where(e.acknowledged_at.is_(None))
        .order_by(e.created_at, e.id)
        .limit(limit)
    ).all()
    return [OpenEscalation(**row._mapping) for row in rows]


def outbox_list(
    conn: Connection, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest notifications with their attempts and last error (the admin view)."""
    from inbox.models import Outbox

    o = Outbox.__table__.c  # type: ignore[attr-defined]
    query = sa.select(
        o.id,
        o.kind,
        o.recipient,
        o.subject,
        o.status,
        o.attempts,
        o.next_attempt_at,
        o.last_error,
        o.sent_at,
        o.created_at,
        o.item_id,
        o.dedup_key,
    ).order_by(o.id.desc())
    if status is not None:
        query = query.where(o.status == status)
    return [dict(row) for row in conn.execute(query.limit(limit)).mappings()]
